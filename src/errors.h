/*
 * The error codes of the engine.  Core functions return 0 on success or
 * one of these negative codes; only the front ends (cmd/) decide what to
 * print and which exit status follows.  err_str() gives a short,
 * lower-case description.
 */
#ifndef LIFEBOAT_ERRORS_H
#define LIFEBOAT_ERRORS_H

/*
 * Success is 0, spelt as such: LB_OK is an action plugin's verdict
 * (include/lifeboat/plugin.h), and both headers meet in src/plugin.c.
 */
enum lb_err {
	LB_ERR_INTERNAL = -1,	/* a bug: should not happen */
	LB_ERR_NOMEM = -2,	/* allocation failed */
	LB_ERR_SYSTEM = -3,	/* a system call failed; see errno */
	LB_ERR_INVALID = -4,	/* bad input: see the diagnostics */
	LB_ERR_LIMIT = -5,	/* a size or count limit was reached */
	LB_ERR_NOT_FOUND = -6,	/* no such thing */
	LB_ERR_EXISTS = -7,	/* already there */
	LB_ERR_FORMAT = -8,	/* input of an unknown format */
};

const char	*err_str(int);

#endif
