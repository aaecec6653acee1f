#include "ots_err.h"

#include "ots_banned.h"

const char *
ots_err_str(enum ots_err e)
{
	switch (e) {
	case OTS_OK:
		return "ok";
	case OTS_ERR_NOMEM:
		return "out of memory";
	case OTS_ERR_INVAL:
		return "invalid input";
	case OTS_ERR_TOOBIG:
		return "too large";
	case OTS_ERR_IO:
		return "i/o error";
	case OTS_ERR_NOSPACE:
		return "no space left";
	case OTS_ERR_TIMEOUT:
		return "timed out";
	case OTS_ERR_REDIS:
		return "redis unavailable";
	case OTS_ERR_AUTH:
		return "authentication failed";
	case OTS_ERR_NOTFOUND:
		return "not found";
	case OTS_ERR_GONE:
		return "gone";
	case OTS_ERR_TRUNC:
		return "truncated";
	case OTS_ERR_CRYPTO:
		return "corrupt data";
	case OTS_ERR_BUSY:
		return "busy";
	case OTS_ERR_SLOW:
		return "too slow";
	case OTS_ERR_HANGUP:
		return "reader went away";
	case OTS_ERR_STORE:
		return "object store unavailable";
	}
	return "unknown error";
}
