#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "api.h"

/* Plaintext read at a time. */
#define READ_CHUNK (64u * 1024u)

static enum otsc_exit
read_stdin(uint64_t max, struct source *s)
{
	size_t cap = 0;

	for (;;) {
		ssize_t n;

		if (s->src_size == cap) {
			uint8_t *np;

			cap = cap == 0 ? READ_CHUNK : cap * 2;
			np = sodium_malloc(cap);
			if (np == NULL) {
				say("out of memory reading standard input");
				return OTSC_OTHER;
			}
			if (s->src_mem != NULL) {
				memcpy(np, s->src_mem, (size_t)s->src_size);
				sodium_free(s->src_mem);
			}
			s->src_mem = np;
		}
		n = read(0, s->src_mem + s->src_size, cap - s->src_size);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			say("standard input: %s", strerror(errno));
			return OTSC_OTHER;
		}
		if (n == 0)
			return OTSC_OK;
		s->src_size += (uint64_t)n;
		if (s->src_size > max) {
			say("standard input is larger than the server takes "
			    "(%llu bytes)", (unsigned long long)max);
			return OTSC_USAGE;
		}
	}
}

enum otsc_exit
source_open(const char *path, uint64_t max, struct source *s)
{
	const char *slash = strrchr(path, '/');
	struct stat st;

	memset(s, 0, sizeof(*s));
	s->src_fd = -1;
	if (strcmp(path, "-") == 0) {
		s->src_name = "standard input";
		return read_stdin(max, s);
	}
	s->src_name = slash != NULL && slash[1] != '\0' ? slash + 1 : path;
	s->src_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (s->src_fd < 0 || fstat(s->src_fd, &st) != 0 ||
	    !S_ISREG(st.st_mode)) {
		say("%s: %s", path, s->src_fd < 0 ? strerror(errno) :
		    "not a regular file");
		return OTSC_USAGE;
	}
	if (realpath(path, s->src_path) == NULL)
		s->src_path[0] = '\0';
	s->src_size = (uint64_t)st.st_size;
	s->src_mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 +
	    st.st_mtim.tv_nsec;
	if (s->src_size > max) {
		say("%s is larger than the server takes (%llu bytes)", path,
		    (unsigned long long)max);
		return OTSC_USAGE;
	}
	return OTSC_OK;
}

bool
source_encrypt(struct source *s, struct ots_box_enc *enc)
{
	uint8_t buf[READ_CHUNK];
	uint64_t off = 0;
	bool ok = true;

	if (s->src_fd < 0)
		return ots_box_enc_update(enc, s->src_mem,
		    (size_t)s->src_size) == OTS_OK;
	while (ok && off < s->src_size) {
		size_t want = s->src_size - off < sizeof(buf) ?
		    (size_t)(s->src_size - off) : sizeof(buf);
		ssize_t n = pread(s->src_fd, buf, want, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			say("cannot read %s: %s", s->src_name, n < 0 ?
			    strerror(errno) : "it shrank");
			ok = false;
			break;
		}
		ok = ots_box_enc_update(enc, buf, (size_t)n) == OTS_OK;
		off += (uint64_t)n;
	}
	sodium_memzero(buf, sizeof(buf));
	return ok;
}

enum otsc_exit
source_slurp(struct source *s, uint8_t **out)
{
	uint64_t off = 0;
	uint8_t *p;

	*out = NULL;
	p = malloc((size_t)s->src_size + 1);
	if (p == NULL) {
		say("out of memory");
		return OTSC_OTHER;
	}
	if (s->src_fd < 0)
		memcpy(p, s->src_mem, (size_t)s->src_size);
	while (s->src_fd >= 0 && off < s->src_size) {
		ssize_t n = pread(s->src_fd, p + off, (size_t)(s->src_size -
		    off), (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			say("cannot read %s", s->src_name);
			sodium_memzero(p, (size_t)off);
			free(p);
			return OTSC_OTHER;
		}
		off += (uint64_t)n;
	}
	*out = p;
	return OTSC_OK;
}

void
source_close(struct source *s)
{
	if (s->src_fd >= 0)
		close(s->src_fd);
	if (s->src_mem != NULL)
		sodium_free(s->src_mem);	/* wipes */
	memset(s, 0, sizeof(*s));
	s->src_fd = -1;
}
