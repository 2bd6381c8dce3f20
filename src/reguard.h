/*
 * Whether a user's regular expression may go to glibc's regcomp(), which
 * takes exponential time and memory on some small patterns:
 *
 *	- no back-references (callers also cap the length at
 *	  REGUARD_MAX_LEN bytes, with their own message);
 *	- no repetition operator right after another ("a**", "a+{2}");
 *	- repetitions nested at most four deep, and a tree (estimated from
 *	  the text, parenthesis by parenthesis) of at most 4096 nodes;
 *	- "*", "+" and "{m,}" may not repeat what can match the empty
 *	  string ("(a?|b?)+", "(a*)*"): closures over empty loops explode.
 *
 * Host patterns and playbook conditions both go through it.
 */
#ifndef LIFEBOAT_REGUARD_H
#define LIFEBOAT_REGUARD_H

#define REGUARD_MAX_LEN		512

/*
 * Why regcomp() should not see s (NUL-terminated), as a lower-case
 * phrase for "bad regular expression: WHY"; NULL when it may.
 */
const char	*reguard_why(const char *s);

#endif
