/*
 * ots_err: the error codes every fallible libots function returns.
 *
 * Results travel through out-parameters; the return value is only ever an
 * enum ots_err.  Only fcgi-app/ maps these to HTTP statuses.
 */
#ifndef OTS_ERR_H
#define OTS_ERR_H

enum ots_err {
	OTS_OK = 0,
	OTS_ERR_NOMEM,		/* allocation failed */
	OTS_ERR_INVAL,		/* malformed input */
	OTS_ERR_TOOBIG,		/* input over its stated maximum */
	OTS_ERR_IO,		/* file system failure (or a broken stream) */
	OTS_ERR_NOSPACE,	/* disk full (ENOSPC, EDQUOT) */
	OTS_ERR_TIMEOUT,	/* a bounded wait ran out */
	OTS_ERR_REDIS,		/* Redis unreachable or answered an error */
	OTS_ERR_AUTH,		/* a key or password did not open the data */
	OTS_ERR_NOTFOUND,	/* no such thing */
	OTS_ERR_GONE,		/* it existed and is gone for good */
	OTS_ERR_TRUNC,		/* input ended early (client went away) */
	OTS_ERR_CRYPTO,		/* stored data failed authentication */
	OTS_ERR_BUSY,		/* a bounded resource stayed full */
	OTS_ERR_SLOW,		/* a client moved bytes slower than allowed */
	OTS_ERR_HANGUP,		/* the reader of an answer went away */
	OTS_ERR_STORE		/* the object store unreachable or refusing */
};

/* Returns a static, lower-case description of e; never NULL. */
const char *ots_err_str(enum ots_err e);

#endif
