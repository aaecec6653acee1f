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
 *
 * Bodies: libfcgi reads the parameters; the request body (FCGI_STDIN
 * records) and large answers are read and written here, straight on the
 * socket, so that every wait on the client is bounded.  A transfer must
 * move OTS_TRANSFER_MIN_RATE bytes a second over each OTS_TRANSFER_WINDOW
 * or it ends with OTS_ERR_SLOW; a small body has a deadline instead.
 * libfcgi would block in read(2) for as long as a client trickles bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <fastcgi.h>
#include <fcgiapp.h>
#include <sodium.h>

#include "app.h"
#include "fcgi_records.h"
#include "ots_alloc.h"
#include "ots_limits.h"
#include "ots_log.h"
#include "ots_banned.h"

#define MOD "fcgi"

/* Bytes of record headers, padding and read-ahead held at once; room
 * for what libfcgi read past the parameters (its 8 KiB buffer). */
#define IN_BUF (16u * 1024u)

/*
 * The head of libfcgi's private FCGX_Stream_Data (fcgiapp.c, the same
 * from 2.4.0 to 2.4.7): where the bytes it read ahead of the parameters'
 * end stop.  take_read_ahead() checks every field it relies on before it
 * trusts them.
 */
struct fcgx_stream_data_head {
	unsigned char *buff;
	int bufflen;
	unsigned char *mBuff;
	unsigned char *buffStop;
	int type;
	int eorStop;
	int skip;
	int contentLen;
	int paddingLen;
};
#define LIBFCGI_READ_BUF 8192

enum pace_dir { PACE_NONE = 0, PACE_IN, PACE_OUT };

struct fio {
	FCGX_Request f_req;
	bool f_active;
	int f_epfd;			/* waits for a connection or shutdown */
	/* The request body, FCGI_STDIN records (FastCGI 1.0 §5.3). */
	uint8_t *f_in;			/* IN_BUF bytes */
	size_t f_in_off, f_in_len;	/* unread bytes of f_in */
	size_t f_content;		/* content left in this record */
	size_t f_skip;			/* padding (or a record) to skip */
	bool f_in_taken;		/* libfcgi's read-ahead is in f_in */
	bool f_in_eof;			/* the empty FCGI_STDIN came */
	enum ots_err f_in_err;		/* sticky once the body failed */
	/* Pacing of the transfer in progress. */
	enum pace_dir f_dir;
	uint64_t f_win_start;		/* ots_mono_ms() */
	uint64_t f_win_bytes;
	uint64_t f_deadline;		/* ots_mono_ms(), 0 for none */
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

/*
 * The thread's wait: the listening socket with EPOLLEXCLUSIVE, so that a
 * new connection wakes one idle thread, not all of them (every other
 * woken thread would lose the race for accept(2), and each wake-up is a
 * context switch, which this kind of VM makes expensive); the wake pipe
 * without it, so that shutdown wakes every thread.
 */
static enum ots_err
wait_set_new(struct worker *w)
{
	struct epoll_event lev = { EPOLLIN | EPOLLEXCLUSIVE, { .fd = 0 } };
	struct epoll_event wev = { EPOLLIN, { .fd = w->w_app->a_wake_fd } };
	int fd = epoll_create1(EPOLL_CLOEXEC);

	if (fd < 0 || epoll_ctl(fd, EPOLL_CTL_ADD, 0, &lev) != 0 ||
	    epoll_ctl(fd, EPOLL_CTL_ADD, w->w_app->a_wake_fd, &wev) != 0) {
		ots_log_err_errno(MOD, errno, "cannot set up the accept wait");
		if (fd >= 0)
			close(fd);
		return OTS_ERR_IO;
	}
	w->w_fio->f_epfd = fd;
	return OTS_OK;
}

enum ots_err
fio_worker_init(struct worker *w)
{
	enum ots_err e;

	w->w_fio = ots_calloc(1, sizeof(*w->w_fio));
	if (w->w_fio == NULL)
		return OTS_ERR_NOMEM;
	w->w_fio->f_epfd = -1;
	w->w_fio->f_in = ots_malloc(IN_BUF);
	e = w->w_fio->f_in == NULL ? OTS_ERR_NOMEM :
	    FCGX_InitRequest(&w->w_fio->f_req, 0, 0) != 0 ? OTS_ERR_IO : OTS_OK;
	if (e == OTS_OK)
		e = wait_set_new(w);
	if (e != OTS_OK) {
		if (w->w_fio->f_epfd >= 0)
			close(w->w_fio->f_epfd);
		ots_free(w->w_fio->f_in);
		OTS_FREE_AND_NULL(w->w_fio);
	}
	return e;
}

void
fio_worker_release(struct worker *w)
{
	if (w->w_fio == NULL)
		return;
	FCGX_Free(&w->w_fio->f_req, 1);
	if (w->w_fio->f_epfd >= 0)
		close(w->w_fio->f_epfd);
	sodium_memzero(w->w_fio->f_in, IN_BUF);
	ots_free(w->w_fio->f_in);
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
	req->req_route = ROUTE_NONE;	/* req_route_label 0 */
	randombytes_buf(rid, sizeof(rid));
	sodium_bin2hex(req->req_id, sizeof(req->req_id), rid, sizeof(rid));
	/* Every line this thread logs until the request ends names it. */
	ots_log_set_request(req->req_id);

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

static void
reset_body(struct fio *f)
{
	f->f_in_off = f->f_in_len = 0;
	f->f_content = f->f_skip = 0;
	f->f_in_taken = f->f_in_eof = false;
	f->f_in_err = OTS_OK;
	f->f_dir = PACE_NONE;
	f->f_win_start = f->f_win_bytes = 0;
	f->f_deadline = 0;
}

int
fio_accept(struct worker *w, struct req *req)
{
	struct epoll_event ev[2];

	for (;;) {
		bool listen_ready = false;
		int rc, i;

		rc = epoll_wait(w->w_fio->f_epfd, ev, 2, -1);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			ots_log_err_errno(MOD, errno, "epoll_wait failed");
			return 0;
		}
		for (i = 0; i < rc; i++) {
			if (ev[i].data.fd != 0)
				return 0;	/* shutdown */
			if ((ev[i].events & (EPOLLERR | EPOLLHUP)) != 0) {
				ots_log_err(MOD, "listening socket failed");
				return 0;
			}
			listen_ready = true;
		}
		if (!listen_ready)
			continue;
		rc = FCGX_Accept_r(&w->w_fio->f_req);
		if (rc == 0) {
			reset_body(w->w_fio);
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
	struct fio *f = w->w_fio;

	if (f->f_active) {
		FCGX_Finish_r(&f->f_req);
		f->f_active = false;
	}
	/* The read-ahead may hold body bytes: plaintext, a claim form. */
	if (f->f_in_len > 0)
		sodium_memzero(f->f_in, f->f_in_len);
	f->f_in_off = f->f_in_len = 0;
}

/* ---- Pacing: every wait on the client is bounded ---------------------- */

/* Starts a window when the transfer changes direction. */
static void
pace_begin(struct req *req, enum pace_dir dir)
{
	struct fio *f = req->req_worker->w_fio;

	if (f->f_dir == dir)
		return;
	f->f_dir = dir;
	f->f_win_start = ots_mono_ms();
	f->f_win_bytes = 0;
}

/*
 * Ends the window if its time is up: OTS_ERR_SLOW when fewer than
 * OTS_TRANSFER_MIN_RATE bytes a second moved in it, or when the deadline
 * passed.  *wait_ms gets how long the next wait may take (-1: forever).
 */
static enum ots_err
pace_check(struct req *req, int *wait_ms)
{
	const struct ots_cfg *c = &req->req_app->a_cfg;
	struct fio *f = req->req_worker->w_fio;
	uint64_t now = ots_mono_ms(), until = 0;

	if (f->f_deadline != 0) {
		if (now >= f->f_deadline)
			return OTS_ERR_SLOW;
		until = f->f_deadline;
	}
	if (c->c_min_rate > 0) {
		uint64_t end = f->f_win_start + c->c_rate_window_ms;

		if (now >= end) {
			if (f->f_win_bytes < c->c_min_rate *
			    c->c_rate_window_ms / 1000)
				return OTS_ERR_SLOW;
			f->f_win_start = now;
			f->f_win_bytes = 0;
			end = now + c->c_rate_window_ms;
		}
		if (until == 0 || end < until)
			until = end;
	}
	if (req->req_on_tick != NULL) {
		if (now >= req->req_tick_at) {
			enum ots_err e = req->req_on_tick(req);

			if (e != OTS_OK)
				return e;
		}
		if (req->req_on_tick != NULL && (until == 0 ||
		    req->req_tick_at < until))
			until = req->req_tick_at > now ? req->req_tick_at :
			    now + 1;
	}
	*wait_ms = until == 0 ? -1 : (int)(until - now);
	return OTS_OK;
}

/* Waits until the socket is ready for events, within the pace. */
static enum ots_err
pace_wait(struct req *req, short events)
{
	struct pollfd pfd;
	int wait_ms = -1, rc;
	enum ots_err e;

	for (;;) {
		e = pace_check(req, &wait_ms);
		if (e != OTS_OK)
			return e;
		pfd.fd = req->req_worker->w_fio->f_req.ipcFd;
		pfd.events = events;
		pfd.revents = 0;
		rc = poll(&pfd, 1, wait_ms);
		if (rc > 0)
			return OTS_OK;
		if (rc < 0 && errno != EINTR)
			return OTS_ERR_IO;
	}
}

/*
 * Before each attempt to read or write: the pace is checked every time,
 * and the socket waited for only once an attempt found nothing
 * (*nothing, which this clears).  While bytes flow, this saves a poll(2)
 * per read or write.
 */
static enum ots_err
pace_ready(struct req *req, short events, bool *nothing)
{
	int wait_ms;

	if (!*nothing)
		return pace_check(req, &wait_ms);
	*nothing = false;
	return pace_wait(req, events);
}

static void
pace_count(struct req *req, size_t n)
{
	req->req_worker->w_fio->f_win_bytes += n;
}

/* ---- The request body -------------------------------------------------- */

/*
 * Takes over what libfcgi read past the parameters: after FCGX_Accept_r
 * its stream sits at a record boundary (SetReaderType(FCGI_STDIN)), and
 * [rdNext, buffStop) is the start of the body's records.
 */
static enum ots_err
take_read_ahead(struct fio *f)
{
	FCGX_Stream *in = f->f_req.in;
	const struct fcgx_stream_data_head *d;
	size_t n;

	f->f_in_taken = true;
	if (in == NULL || in->data == NULL)
		return OTS_ERR_IO;
	d = in->data;
	if (!in->isReader || in->rdNext != in->stop ||
	    d->type != FCGI_STDIN || d->contentLen != 0 ||
	    d->paddingLen != 0 || d->bufflen != LIBFCGI_READ_BUF ||
	    d->buff == NULL || in->rdNext < d->buff ||
	    d->buffStop < in->rdNext || d->buffStop > d->buff + d->bufflen) {
		ots_log_err(MOD, "libfcgi's input stream is not laid out as "
		    "this build expects: request bodies cannot be read");
		return OTS_ERR_IO;
	}
	n = (size_t)(d->buffStop - in->rdNext);
	OTS_ASSERT(n <= IN_BUF);
	memcpy(f->f_in, in->rdNext, n);
	f->f_in_off = 0;
	f->f_in_len = n;
	return OTS_OK;
}

/* Reads from the socket into the read-ahead until it holds need bytes. */
static enum ots_err
in_fill(struct req *req, size_t need)
{
	struct fio *f = req->req_worker->w_fio;
	bool nothing = false;
	enum ots_err e;

	OTS_ASSERT(need <= IN_BUF);
	if (f->f_in_off > 0) {
		memmove(f->f_in, f->f_in + f->f_in_off, f->f_in_len -
		    f->f_in_off);
		f->f_in_len -= f->f_in_off;
		f->f_in_off = 0;
	}
	while (f->f_in_len < need) {
		ssize_t r;

		e = pace_ready(req, POLLIN, &nothing);
		if (e != OTS_OK)
			return e;
		r = recv(f->f_req.ipcFd, f->f_in + f->f_in_len, IN_BUF -
		    f->f_in_len, MSG_DONTWAIT);
		if (r == 0)
			return OTS_ERR_TRUNC;	/* the web server hung up */
		if (r < 0) {
			nothing = errno == EAGAIN;
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return OTS_ERR_TRUNC;
		}
		pace_count(req, (size_t)r);
		f->f_in_len += (size_t)r;
	}
	return OTS_OK;
}

/* Reads the next record header and acts on it. */
static enum ots_err
in_header(struct req *req)
{
	struct fio *f = req->req_worker->w_fio;
	const uint8_t *h;
	unsigned type, id, clen, plen;
	enum ots_err e;

	e = in_fill(req, FCGI_HEADER_LEN);
	if (e != OTS_OK)
		return e;
	h = f->f_in + f->f_in_off;
	f->f_in_off += FCGI_HEADER_LEN;
	type = h[1];
	id = (unsigned)h[2] << 8 | h[3];
	clen = (unsigned)h[4] << 8 | h[5];
	plen = h[6];
	if (h[0] != FCGI_VERSION_1) {
		ots_log_err(MOD, "the web server sent a record of "
		    "FastCGI version %u", h[0]);
		return OTS_ERR_IO;
	}
	if (id == (unsigned)f->f_req.requestId && type == FCGI_STDIN) {
		if (clen == 0)
			f->f_in_eof = true;
		f->f_content = clen;
		f->f_skip = plen;
		return OTS_OK;
	}
	if (id == (unsigned)f->f_req.requestId && type == FCGI_ABORT_REQUEST)
		return OTS_ERR_TRUNC;
	/* A management record (id 0) or another stream of this request
	 * (FCGI_DATA): not ours to read; skipped whole. */
	if (id == FCGI_NULL_REQUEST_ID || (id == (unsigned)f->f_req.requestId &&
	    type == FCGI_DATA)) {
		f->f_skip = (size_t)clen + plen;
		return OTS_OK;
	}
	ots_log_err(MOD, "the web server sent an unexpected record "
	    "(type %u, request %u)", type, id);
	return OTS_ERR_IO;
}

/* Delivers content of the current record: buffered first, else read
 * straight into p (and what follows into the read-ahead). */
static enum ots_err
in_content(struct req *req, uint8_t *p, size_t n, size_t *got)
{
	struct fio *f = req->req_worker->w_fio;
	size_t want = n < f->f_content ? n : f->f_content;
	struct iovec iov[2];
	struct msghdr msg;
	bool nothing = false;
	ssize_t r;
	enum ots_err e;

	if (f->f_in_len > f->f_in_off) {
		size_t take = f->f_in_len - f->f_in_off;

		if (take > want)
			take = want;
		memcpy(p, f->f_in + f->f_in_off, take);
		f->f_in_off += take;
		f->f_content -= take;
		*got = take;
		return OTS_OK;
	}
	f->f_in_off = f->f_in_len = 0;
	memset(&msg, 0, sizeof(msg));
	for (;;) {
		e = pace_ready(req, POLLIN, &nothing);
		if (e != OTS_OK)
			return e;
		iov[0].iov_base = p;
		iov[0].iov_len = want;
		iov[1].iov_base = f->f_in;
		iov[1].iov_len = IN_BUF;
		msg.msg_iov = iov;
		msg.msg_iovlen = 2;
		r = recvmsg(f->f_req.ipcFd, &msg, MSG_DONTWAIT);
		if (r > 0)
			break;
		if (r == 0 || (errno != EINTR && errno != EAGAIN))
			return OTS_ERR_TRUNC;
		nothing = errno == EAGAIN;
	}
	pace_count(req, (size_t)r);
	if ((size_t)r <= want) {
		*got = (size_t)r;
	} else {
		*got = want;
		f->f_in_len = (size_t)r - want;
	}
	f->f_content -= *got;
	return OTS_OK;
}

enum ots_err
req_read(struct req *req, uint8_t *p, size_t n, size_t *got)
{
	struct fio *f = req->req_worker->w_fio;
	enum ots_err e = OTS_OK;

	*got = 0;
	if (f->f_in_err != OTS_OK)
		return f->f_in_err;
	if (!f->f_in_taken)
		e = take_read_ahead(f);
	pace_begin(req, PACE_IN);
	while (e == OTS_OK && n > 0 && !f->f_in_eof) {
		if (f->f_content > 0) {
			e = in_content(req, p, n, got);
			break;
		}
		if (f->f_skip > 0) {
			size_t have = f->f_in_len - f->f_in_off;

			if (have == 0) {
				e = in_fill(req, 1);
				continue;
			}
			if (have > f->f_skip)
				have = f->f_skip;
			f->f_in_off += have;
			f->f_skip -= have;
			continue;
		}
		e = in_header(req);
	}
	if (e != OTS_OK) {
		f->f_in_err = e;
		return e;
	}
	req->req_bytes_in += *got;
	return OTS_OK;
}

enum ots_err
req_read_all(struct req *req, struct ots_buf *b, unsigned deadline_ms)
{
	struct fio *f = req->req_worker->w_fio;
	uint8_t tmp[4096];
	enum ots_err e;

	f->f_deadline = ots_mono_ms() + deadline_ms;
	for (;;) {
		size_t got = 0;

		e = req_read(req, tmp, sizeof(tmp), &got);
		if (e == OTS_OK && got > 0)
			e = ots_buf_add(b, tmp, got);
		if (e != OTS_OK || got == 0)
			break;
	}
	f->f_deadline = 0;
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
			return OTS_ERR_HANGUP;
		c += w;
		n -= (size_t)w;
		req->req_bytes_out += (uint64_t)w;
	}
	return OTS_OK;
}

/*
 * Sends every byte the iovecs hold, without ever blocking past the pace:
 * a reader slower than OTS_TRANSFER_MIN_RATE over a window gets
 * OTS_ERR_SLOW.
 */
static enum ots_err
send_all(struct req *req, struct iovec *iov, int cnt)
{
	int fd = req->req_worker->w_fio->f_req.ipcFd;
	struct msghdr msg;
	bool nothing = false;
	enum ots_err e;

	memset(&msg, 0, sizeof(msg));
	while (cnt > 0) {
		ssize_t w;
		size_t left;

		e = pace_ready(req, POLLOUT, &nothing);
		if (e != OTS_OK)
			return e;
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)cnt;
		w = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (w < 0) {
			nothing = errno == EAGAIN;
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return OTS_ERR_HANGUP;
		}
		pace_count(req, (size_t)w);
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
	struct frec_batch b;
	const uint8_t *c = p;
	enum ots_err e;

	/* What libfcgi holds (the header lines) goes first. */
	if (FCGX_FFlush(r->out) != 0 || r->ipcFd < 0)
		return OTS_ERR_HANGUP;
	pace_begin(req, PACE_OUT);
	while (n > 0) {
		req->req_bytes_out += frec_frame_stdout(&b, r->requestId, &c,
		    &n);
		e = send_all(req, b.fb_iov, b.fb_cnt);
		if (e != OTS_OK)
			return e;
	}
	return OTS_OK;
}
