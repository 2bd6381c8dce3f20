/*
 * Allocation wrappers for the application.  They never return NULL: on
 * failure they print one line and abort, since there is no sensible way
 * to carry on without memory.  Library-style code that must survive
 * allocation failure does not use them.
 */
#ifndef LIFEBOAT_XMALLOC_H
#define LIFEBOAT_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 xvasprintf(char **, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));

#endif
