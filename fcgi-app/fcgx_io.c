/*
 * The only file that includes fcgiapp.h: accepting requests, reading
 * their parameters and body, writing responses.
 *
 * Shutdown: threads blocked in libfcgi's accept(2) do not return on
 * SIGTERM (DESIGN §7).  So the listening socket is made non-blocking and
 * each thread polls it together with the shutdown descriptor, calling
 * FCGX_Accept_r() only when a connection is waiting; a thread that loses
 * the race to another thread or process gets EAGAIN and polls again.
 * (poll wakes every idle thread for each connection; serialising the
 * wait behind a mutex measured no faster, docs/BENCHMARKS.md.)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>
#include <unistd.h>

#include <fcgiapp.h>
#include <sodium.h>

#include "app.h"
#include "ots_alloc.h"
#include "ots_limits.h"
#include "ots_log.h"
#include "ots_banned.h"

#define MOD "fcgi"

struct fio {
	FCGX_Request f_req;
	bool f_active;
};

enum ots_err
fio_init(void)
{
	int flags;

	if (FCGX_Init() != 0)
		return OTS_ERR_IO;
	if (FCGX_IsCGI()) {
		ots_log_err(MOD, "standard input is not a FastCGI socket: "
		    "start the program with spawn-fcgi");
		return OTS_ERR_INVAL;
	}
	flags = fcntl(0, F_GETFL);
	if (flags < 0 || fcntl(0, F_SETFL, flags | O_NONBLOCK) != 0) {
		ots_log_err_errno(MOD, errno,
		    "cannot make the listening socket non-blocking");
		return OTS_ERR_IO;
	}
	return OTS_OK;
}

enum ots_err
fio_worker_init(struct worker *w)
{
	w->w_fio = ots_calloc(1, sizeof(*w->w_fio));
	if (w->w_fio == NULL)
		return OTS_ERR_NOMEM;
	if (FCGX_InitRequest(&w->w_fio->f_req, 0, 0) != 0) {
		OTS_FREE_AND_NULL(w->w_fio);
		return OTS_ERR_IO;
	}
	return OTS_OK;
}

void
fio_worker_release(struct worker *w)
{
	if (w->w_fio == NULL)
		return;
	FCGX_Free(&w->w_fio->f_req, 1);
	OTS_FREE_AND_NULL(w->w_fio);
}

static const char *
param(const struct worker *w, const char *name)
{
	return FCGX_GetParam(name, w->w_fio->f_req.envp);
}

const char *
req_param(const struct req *req, const char *name)
{
	return param(req->req_worker, name);
}

/* Does an Accept header name text/html before any JSON? */
static void
read_accept(struct req *req)
{
	const char *a = req_param(req, "HTTP_ACCEPT");
	const char *html, *json;

	if (a == NULL)
		return;
	html = strstr(a, "text/html");
	json = strstr(a, "application/json");
	req->req_json = json != NULL;
	req->req_browser = html != NULL && (json == NULL || html < json);
}

static void
fill_request(struct worker *w, struct req *req)
{
	const char *uri, *q, *te, *cl, *m;
	uint8_t rid[8];

	memset(req, 0, sizeof(*req));
	req->req_worker = w;
	req->req_app = w->w_app;
	req->req_start_ms = ots_mono_ms();
	req->req_route = "-";
	randombytes_buf(rid, sizeof(rid));
	sodium_bin2hex(req->req_id, sizeof(req->req_id), rid, sizeof(rid));

	/* Copied: the request log is written after FCGX_Finish_r(), which
	 * frees every parameter. */
	m = param(w, "REQUEST_METHOD");
	if (m == NULL || strlen(m) >= sizeof(req->req_method_buf))
		m = "-";
	memcpy(req->req_method_buf, m, strlen(m) + 1);
	req->req_method = req->req_method_buf;
	uri = param(w, "REQUEST_URI");
	if (uri == NULL)
		uri = "";
	q = strchr(uri, '?');
	req->req_path.p = uri;
	req->req_path.len = q != NULL ? (size_t)(q - uri) : strlen(uri);
	req->req_query = ots_str_cstr(q != NULL ? q + 1 : NULL);
	req->req_ctype = param(w, "CONTENT_TYPE");
	if (req->req_ctype == NULL)
		req->req_ctype = "";
	cl = param(w, "CONTENT_LENGTH");
	if (cl != NULL && cl[0] != '\0') {
		req->req_has_length = ots_parse_u64(cl, strlen(cl), 0,
		    UINT64_MAX, &req->req_length) == OTS_OK;
		/* A malformed length is treated as absent; nginx rejects
		 * those before they reach us. */
	}
	te = param(w, "HTTP_TRANSFER_ENCODING");
	req->req_chunked = te != NULL && strcasestr(te, "chunked") != NULL;
	read_accept(req);
	ots_net_client(&w->w_app->a_cfg.c_trusted, param(w, "REMOTE_ADDR"),
	    param(w, "HTTP_X_FORWARDED_FOR"), param(w, "HTTP_X_REAL_IP"),
	    req->req_client);
}

/*
 * accept(2) failed for a reason that does not pass by itself in a
 * moment: out of descriptors (EMFILE, ENFILE) or of kernel memory.  The
 * connection stays queued, so the listening socket stays readable and
 * polling again at once would spin on it: wait ACCEPT_BACKOFF_MS (or
 * until shutdown), and log once per ACCEPT_LOG_MS, not once per try.
 * False when shutdown began meanwhile.
 */
#define ACCEPT_BACKOFF_MS 100
#define ACCEPT_LOG_MS 10000u

static bool
accept_failed(struct worker *w, int err)
{
	static struct ots_log_throttle throttle;
	struct pollfd pfd = { w->w_app->a_wake_fd, POLLIN, 0 };
	uint64_t dropped = 0;

	if (ots_log_throttle_pass(&throttle, ACCEPT_LOG_MS, &dropped))
		ots_log_err_errno(MOD, err, "cannot accept a connection (%llu "
		    "more failures since the last report); retrying every "
		    "%d ms", (unsigned long long)dropped, ACCEPT_BACKOFF_MS);
	return poll(&pfd, 1, ACCEPT_BACKOFF_MS) == 0;
}

int
fio_accept(struct worker *w, struct req *req)
{
	struct pollfd pfd[2];

	for (;;) {
		int rc;

		pfd[0].fd = 0;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		pfd[1].fd = w->w_app->a_wake_fd;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		rc = poll(pfd, 2, -1);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			ots_log_err_errno(MOD, errno, "poll failed");
			return 0;
		}
		if (pfd[1].revents != 0)
			return 0;
		if ((pfd[0].revents & (POLLERR | POLLNVAL)) != 0) {
			ots_log_err(MOD, "listening socket failed");
			return 0;
		}
		rc = FCGX_Accept_r(&w->w_fio->f_req);
		if (rc == 0) {
			w->w_fio->f_active = true;
			fill_request(w, req);
			return 1;
		}
		if (rc == -EAGAIN || rc == -EINTR ||
		    rc == -ECONNABORTED)	/* EWOULDBLOCK is EAGAIN here */
			continue;
		if (!accept_failed(w, -rc))
			return 0;
	}
}

void
fio_finish(struct worker *w)
{
	if (w->w_fio->f_active) {
		FCGX_Finish_r(&w->w_fio->f_req);
		w->w_fio->f_active = false;
	}
}

enum ots_err
req_read(struct req *req, uint8_t *p, size_t n, size_t *got)
{
	FCGX_Stream *in = req->req_worker->w_fio->f_req.in;
	int r;

	*got = 0;
	if (n > INT32_MAX)
		n = INT32_MAX;
	r = FCGX_GetStr((char *)p, (int)n, in);
	/* Bytes copied before an error count too: the caller wipes what
	 * it was given. */
	if (r > 0)
		*got = (size_t)r;
	if (r < 0 || FCGX_GetError(in) != 0)
		return OTS_ERR_TRUNC;
	req->req_bytes_in += (uint64_t)r;
	return OTS_OK;
}

enum ots_err
req_read_all(struct req *req, struct ots_buf *b)
{
	uint8_t tmp[4096];
	enum ots_err e;

	for (;;) {
		size_t got = 0;

		e = req_read(req, tmp, sizeof(tmp), &got);
		if (e != OTS_OK || got == 0)
			break;
		e = ots_buf_add(b, tmp, got);
		if (e != OTS_OK)
			break;
	}
	sodium_memzero(tmp, sizeof(tmp));
	return e;
}

enum ots_err
req_write(struct req *req, const void *p, size_t n)
{
	FCGX_Stream *out = req->req_worker->w_fio->f_req.out;
	const char *c = p;

	while (n > 0) {
		int chunk = n > (size_t)INT32_MAX ? INT32_MAX : (int)n;
		int w = FCGX_PutStr(c, chunk, out);

		if (w < 0 || w != chunk)
			return OTS_ERR_IO;
		c += w;
		n -= (size_t)w;
		req->req_bytes_out += (uint64_t)w;
	}
	return OTS_OK;
}

/* FastCGI (version 1): a record is an 8-byte header and up to 65535
 * bytes of content. */
#define FCGI_STDOUT_TYPE 6
#define RECORD_MAX 65535u
/* Records per writev(2): 4 x 64 KiB, the container's chunk and more. */
#define RECORDS_PER_WRITE 4

/* Writes every byte the iovecs hold, resuming after short writes. */
static enum ots_err
writev_all(int fd, struct iovec *iov, int cnt)
{
	while (cnt > 0) {
		ssize_t w = writev(fd, iov, cnt);
		size_t left;

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return OTS_ERR_IO;
		}
		left = (size_t)w;
		while (cnt > 0 && left >= iov->iov_len) {
			left -= iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + left;
			iov->iov_len -= left;
		}
	}
	return OTS_OK;
}

enum ots_err
req_write_body(struct req *req, const void *p, size_t n)
{
	FCGX_Request *r = &req->req_worker->w_fio->f_req;
	uint8_t head[RECORDS_PER_WRITE][8];
	struct iovec iov[2 * RECORDS_PER_WRITE];
	const uint8_t *c = p;

	/* What libfcgi holds (the header lines) goes first. */
	if (FCGX_FFlush(r->out) != 0 || r->ipcFd < 0)
		return OTS_ERR_IO;
	while (n > 0) {
		int cnt = 0, i;

		for (i = 0; i < RECORDS_PER_WRITE && n > 0; i++) {
			size_t len = n < RECORD_MAX ? n : RECORD_MAX;

			head[i][0] = 1;
			head[i][1] = FCGI_STDOUT_TYPE;
			head[i][2] = (uint8_t)((unsigned)r->requestId >> 8);
			head[i][3] = (uint8_t)r->requestId;
			head[i][4] = (uint8_t)(len >> 8);
			head[i][5] = (uint8_t)len;
			head[i][6] = 0;	/* no padding */
			head[i][7] = 0;
			iov[cnt].iov_base = head[i];
			iov[cnt++].iov_len = sizeof(head[i]);
			iov[cnt].iov_base = (void *)(uintptr_t)c;
			iov[cnt++].iov_len = len;
			c += len;
			n -= len;
			req->req_bytes_out += (uint64_t)len;
		}
		if (writev_all(r->ipcFd, iov, cnt) != OTS_OK)
			return OTS_ERR_IO;
	}
	return OTS_OK;
}
