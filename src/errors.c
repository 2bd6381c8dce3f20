/*
 * Text for the engine's error codes.
 */
#include "errors.h"

const char *
err_str(int err)
{
	switch (err) {
	case 0:
		return "success";
	case LB_ERR_INTERNAL:
		return "internal error";
	case LB_ERR_NOMEM:
		return "out of memory";
	case LB_ERR_SYSTEM:
		return "system error";
	case LB_ERR_INVALID:
		return "invalid input";
	case LB_ERR_LIMIT:
		return "limit exceeded";
	case LB_ERR_NOT_FOUND:
		return "not found";
	case LB_ERR_EXISTS:
		return "already exists";
	case LB_ERR_FORMAT:
		return "unknown format";
	}
	return "unknown error";
}
