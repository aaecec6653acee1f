#include "record.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

/* The server forgets an upload after 24 h (OTS_UPLOAD_MAX_AGE). */
#define RECORD_MAX_AGE (24 * 3600)
#define LINE_MAX_ 4600

/* The directory of the records, made 0700 when missing; false if none. */
static bool
record_dir(char *out, size_t max, bool make)
{
	const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	char parent[4096];

	if (state != NULL && state[0] == '/')
		snprintf(parent, sizeof(parent), "%s/ots", state);
	else if (home != NULL && home[0] == '/')
		snprintf(parent, sizeof(parent), "%s/.local/state/ots", home);
	else
		return false;
	if ((size_t)snprintf(out, max, "%s/uploads", parent) >= max)
		return false;
	if (!make)
		return true;
	/* Each level as needed; only ours is made private. */
	for (char *p = out + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		(void)mkdir(out, 0755);
		*p = '/';
	}
	if (mkdir(out, 0700) != 0 && errno != EEXIST)
		return false;
	return chmod(out, 0700) == 0;
}

static void
put_hex(FILE *f, const char *key, const uint8_t *p, size_t n)
{
	char hex[2 * 64 + 1];

	sodium_bin2hex(hex, sizeof(hex), p, n);
	fprintf(f, "%s %s\n", key, hex);
	sodium_memzero(hex, sizeof(hex));
}

bool
record_save(const struct record *r)
{
	char dir[4096], path[4200], tmp[4200];
	const struct seal *s = &r->r_seal;
	FILE *f;
	int fd;
	bool ok;

	if (!record_dir(dir, sizeof(dir), true)) {
		say("cannot keep the upload's record (no $HOME or "
		    "$XDG_STATE_HOME, or it is not writable)");
		return false;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, r->r_id.t_str);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, r->r_id.t_str);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL) {
		if (fd >= 0)
			close(fd);
		say("cannot write %s: %s", tmp, strerror(errno));
		return false;
	}
	fprintf(f, "ots-upload 1\nserver %s\nid %s\ntoken %s\nsecret %s\n",
	    r->r_server, r->r_id.t_str, r->r_token, r->r_secret.t_str);
	put_hex(f, "k_file", r->r_kfile, sizeof(r->r_kfile));
	put_hex(f, "stream", r->r_stream, sizeof(r->r_stream));
	fprintf(f, "seal %s\nseal %s\n", s->s_meta, s->s_lcheck);
	if (s->s_protected)
		fprintf(f, "seal %s\nseal %s\nseal %s\n", s->s_salt,
		    s->s_cost, s->s_check);
	fprintf(f, "path %s\nsize %" PRIu64 "\nmtime %" PRId64 "\n"
	    "offset %" PRIu64 "\ncheck_from %" PRIu64 "\n", r->r_path,
	    r->r_size, r->r_mtime_ns, r->r_offset, r->r_check_from);
	put_hex(f, "check", r->r_check, sizeof(r->r_check));
	ok = fflush(f) == 0 && !ferror(f);
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		say("cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return false;
	}
	return true;
}

static bool
get_hex(const char *v, uint8_t *out, size_t n)
{
	size_t got = 0;

	return sodium_hex2bin(out, n, v, strlen(v), NULL, &got, NULL) == 0 &&
	    got == n;
}

static bool
get_u64(const char *v, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(v, &end, 10);
	return errno == 0 && end != v && *end == '\0' && v[0] != '-';
}

/* The seal line number i (in the order record_save writes them). */
static bool
put_seal(struct seal *s, int i, const char *v)
{
	char *slot[] = { s->s_meta, s->s_lcheck, s->s_salt, s->s_cost,
		s->s_check };
	size_t size[] = { sizeof(s->s_meta), sizeof(s->s_lcheck),
		sizeof(s->s_salt), sizeof(s->s_cost), sizeof(s->s_check) };

	if (i < 0 || i >= 5 || (size_t)snprintf(slot[i], size[i], "%s", v) >=
	    size[i])
		return false;
	s->s_protected = i >= 2;
	return true;
}

/* The keys of a record, each once, all needed. */
static const char *const record_keys[] = { "server", "id", "token",
	"secret", "k_file", "stream", "path", "size", "mtime", "offset",
	"check_from", "check" };
#define ALL_KEYS ((1u << (sizeof(record_keys) / sizeof(record_keys[0]))) - 1)

/* Reads the value of key number k into r. */
static bool
record_value(struct record *r, size_t k, const char *v, uint64_t *mt)
{
	switch (k) {
	case 0:
		return snprintf(r->r_server, sizeof(r->r_server), "%s", v) <
		    (int)sizeof(r->r_server);
	case 1:
		return ots_tok_parse(v, strlen(v), &r->r_id) == OTS_OK;
	case 2:
		return snprintf(r->r_token, sizeof(r->r_token), "%s", v) <
		    (int)sizeof(r->r_token);
	case 3:
		return ots_tok_parse(v, strlen(v), &r->r_secret) == OTS_OK;
	case 4:
		return get_hex(v, r->r_kfile, sizeof(r->r_kfile));
	case 5:
		return get_hex(v, r->r_stream, sizeof(r->r_stream));
	case 6:
		return snprintf(r->r_path, sizeof(r->r_path), "%s", v) <
		    (int)sizeof(r->r_path);
	case 7:
		return get_u64(v, &r->r_size);
	case 8:
		return get_u64(v, mt);
	case 9:
		return get_u64(v, &r->r_offset);
	case 10:
		return get_u64(v, &r->r_check_from);
	default:
		return get_hex(v, r->r_check, sizeof(r->r_check));
	}
}

/* Reads one record; false for anything malformed or missing. */
static bool
record_read(FILE *f, struct record *r)
{
	char line[LINE_MAX_];
	unsigned seen = 0;
	uint64_t mt = 0;
	int seals = 0;
	bool ok = true;

	memset(r, 0, sizeof(*r));
	if (fgets(line, sizeof(line), f) == NULL ||
	    strcmp(line, "ots-upload 1\n") != 0)
		return false;
	while (ok && fgets(line, sizeof(line), f) != NULL) {
		char *v = strchr(line, ' '), *nl = strchr(line, '\n');
		size_t k;

		if (v == NULL || nl == NULL) {
			ok = false;
			break;
		}
		*v++ = '\0';
		*nl = '\0';
		if (strcmp(line, "seal") == 0) {
			ok = put_seal(&r->r_seal, seals++, v);
			continue;
		}
		for (k = 0; k < sizeof(record_keys) / sizeof(record_keys[0]);
		    k++)
			if (strcmp(line, record_keys[k]) == 0)
				break;
		if (k == sizeof(record_keys) / sizeof(record_keys[0]) ||
		    (seen & (1u << k)) != 0) {
			ok = false;
			break;
		}
		seen |= 1u << k;
		ok = record_value(r, k, v, &mt);
	}
	sodium_memzero(line, sizeof(line));
	r->r_mtime_ns = (int64_t)mt;
	return ok && seen == ALL_KEYS && (seals == 2 || seals == 5) &&
	    r->r_check_from <= r->r_offset;
}

bool
record_find(const char *server, const char *path, uint64_t size,
    int64_t mtime_ns, struct record *r)
{
	char dir[4096], file[4400];
	struct dirent *de;
	struct stat st;
	bool found = false;
	DIR *d;

	if (!record_dir(dir, sizeof(dir), false) || (d = opendir(dir)) ==
	    NULL)
		return false;
	while (!found && (de = readdir(d)) != NULL) {
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s", dir, de->d_name);
		if (lstat(file, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		if (time(NULL) - st.st_mtime > RECORD_MAX_AGE) {
			unlink(file);
			continue;
		}
		f = fopen(file, "re");
		if (f == NULL)
			continue;
		found = record_read(f, r) && strcmp(r->r_server, server) == 0 &&
		    strcmp(r->r_path, path) == 0 && r->r_size == size &&
		    r->r_mtime_ns == mtime_ns;
		fclose(f);
		if (!found)
			record_wipe(r);
	}
	closedir(d);
	return found;
}

void
record_remove(const struct ots_tok *id)
{
	char dir[4096], path[4200];

	if (!record_dir(dir, sizeof(dir), false))
		return;
	snprintf(path, sizeof(path), "%s/%s", dir, id->t_str);
	(void)unlink(path);
}

void
record_wipe(struct record *r)
{
	sodium_memzero(r, sizeof(*r));
}
