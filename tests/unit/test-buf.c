/*
 * Unit tests for the memory utilities: buf.c (bounded, NUL-terminated
 * buffers, their limit, detach, truncate and the BUF_WIPE path), arena.c
 * (many allocations, strings, alignment, mark and rewind) and strmap.c
 * (put, get, overwrite, growth to a hundred thousand keys).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "buf.h"
#include "errors.h"
#include "strmap.h"

/* True when b holds exactly the n bytes of s, followed by a NUL. */
static void
assert_buf(const struct buf *b, const char *s, size_t n)
{
	assert_int_equal(b->len, n);
	assert_non_null(b->data);
	assert_memory_equal(b->data, s, n);
	assert_int_equal(b->data[n], '\0');
	assert_true(b->cap > b->len);
}

static void
test_buf_empty(void **state)
{
	struct buf	 b = BUF_INIT;
	struct buf	*p;

	(void)state;
	assert_null(b.data);
	assert_int_equal(b.max, BUF_DEFAULT_MAX);
	assert_string_equal(buf_str(&b), "");
	buf_release(&b);
	assert_string_equal(buf_str(&b), "");

	buf_init(&b, 0, 0);
	assert_int_equal(b.max, BUF_DEFAULT_MAX);
	assert_int_equal(buf_add(&b, "", 0), 0);
	assert_buf(&b, "", 0);
	buf_release(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);

	p = buf_new(100, BUF_WIPE);
	assert_non_null(p);
	assert_int_equal(p->max, 100);
	assert_int_equal(p->flags, BUF_WIPE);
	assert_int_equal(buf_adds(p, "x"), 0);
	assert_buf(p, "x", 1);
	buf_free(p);
	buf_free(NULL);
}

static void
test_buf_append(void **state)
{
	struct buf	 b = BUF_INIT;
	size_t		 i;

	(void)state;
	assert_int_equal(buf_adds(&b, "abc"), 0);
	assert_buf(&b, "abc", 3);
	assert_int_equal(buf_addc(&b, '-'), 0);
	assert_int_equal(buf_add(&b, "de\0f", 4), 0);
	assert_buf(&b, "abc-de\0f", 8);
	/* Embedded NUL: buf_str() stops there, len does not. */
	assert_string_equal(buf_str(&b), "abc-de");
	assert_int_equal(buf_addf(&b, "[%d:%s:%05.1f]", 42, "x", 2.5), 0);
	assert_buf(&b, "abc-de\0f[42:x:002.5]", 20);
	buf_reset(&b);
	assert_buf(&b, "", 0);

	/* Growth through many reallocations keeps every byte. */
	for (i = 0; i < 10000; i++)
		assert_int_equal(buf_addf(&b, "%05zu", i), 0);
	assert_int_equal(b.len, 50000);
	assert_memory_equal(b.data, "00000000010000200003", 20);
	assert_memory_equal(b.data + 49990, "0999809999", 10);
	assert_int_equal(b.data[50000], '\0');
	buf_release(&b);
}

static void
test_buf_limit(void **state)
{
	struct buf	 b;
	char		 big[64];

	(void)state;
	buf_init(&b, 10, 0);
	assert_int_equal(buf_adds(&b, "0123456"), 0);
	/* Four more would pass the maximum of ten: nothing changes. */
	assert_int_equal(buf_adds(&b, "789a"), LB_ERR_LIMIT);
	assert_buf(&b, "0123456", 7);
	assert_int_equal(buf_addf(&b, "%s", "789a"), LB_ERR_LIMIT);
	assert_buf(&b, "0123456", 7);
	assert_int_equal(buf_addf(&b, "%d", 1234), LB_ERR_LIMIT);
	assert_buf(&b, "0123456", 7);
	/* Up to the maximum exactly is fine; one more byte is not. */
	assert_int_equal(buf_adds(&b, "789"), 0);
	assert_buf(&b, "0123456789", 10);
	assert_int_equal(buf_addc(&b, 'x'), LB_ERR_LIMIT);
	assert_int_equal(buf_add(&b, "", 0), 0);
	assert_buf(&b, "0123456789", 10);
	/* A length that would wrap size_t is refused too. */
	assert_int_equal(buf_reserve(&b, (size_t)-1), LB_ERR_LIMIT);
	assert_int_equal(buf_reserve(&b, (size_t)-1 - 5), LB_ERR_LIMIT);
	assert_buf(&b, "0123456789", 10);
	buf_release(&b);

	buf_init(&b, 10, 0);
	memset(big, 'z', sizeof big);
	assert_int_equal(buf_add(&b, big, sizeof big), LB_ERR_LIMIT);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	buf_release(&b);
}

static void
test_buf_truncate(void **state)
{
	struct buf	 b = BUF_INIT;

	(void)state;
	buf_adds(&b, "hello, world");
	buf_truncate(&b, 20);
	assert_buf(&b, "hello, world", 12);
	buf_truncate(&b, 12);
	assert_buf(&b, "hello, world", 12);
	buf_truncate(&b, 5);
	assert_buf(&b, "hello", 5);
	assert_string_equal(buf_str(&b), "hello");
	assert_int_equal(buf_adds(&b, "!"), 0);
	assert_buf(&b, "hello!", 6);
	buf_truncate(&b, 0);
	assert_buf(&b, "", 0);
	buf_release(&b);

	/* Truncating a buf that never held anything is harmless. */
	buf_init(&b, 0, 0);
	buf_truncate(&b, 0);
	buf_reset(&b);
	assert_null(b.data);
	buf_release(&b);
}

static void
test_buf_detach(void **state)
{
	struct buf	 b = BUF_INIT;
	char		*s;
	size_t		 len = 99;

	(void)state;
	buf_adds(&b, "secret");
	s = buf_detach(&b, &len);
	assert_string_equal(s, "secret");
	assert_int_equal(len, 6);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_string_equal(buf_str(&b), "");
	/* The buf is usable again and does not share the detached memory. */
	assert_int_equal(buf_adds(&b, "again"), 0);
	assert_ptr_not_equal(b.data, s);
	assert_string_equal(s, "secret");
	assert_buf(&b, "again", 5);
	free(s);
	buf_release(&b);

	/* An empty buf detaches as an allocated "". */
	len = 99;
	s = buf_detach(&b, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
	s = buf_detach(&b, NULL);
	assert_string_equal(s, "");
	free(s);
	buf_release(&b);
}

static void
test_buf_wipe(void **state)
{
	struct buf	 b;
	size_t		 i;
	char		 tail[64];

	(void)state;
	buf_init(&b, 0, BUF_WIPE);
	assert_int_equal(b.flags, BUF_WIPE);
	assert_int_equal(buf_adds(&b, "hunter2-password"), 0);
	/* Growth on the wipe path copies the contents to the new block. */
	for (i = 0; i < 100; i++)
		assert_int_equal(buf_adds(&b, "0123456789"), 0);
	assert_int_equal(b.len, 1016);
	assert_memory_equal(b.data, "hunter2-password0123456789", 26);
	assert_memory_equal(b.data + 1006, "0123456789", 10);
	assert_int_equal(b.data[1016], '\0');

	/* Truncation clears the bytes it drops, not only the first one. */
	buf_truncate(&b, 7);
	assert_buf(&b, "hunter2", 7);
	memset(tail, 0, sizeof tail);
	assert_memory_equal(b.data + 7, tail, sizeof tail);
	for (i = 7; i < 1016; i++)
		assert_int_equal(b.data[i], 0);
	buf_reset(&b);
	for (i = 0; i < 8; i++)
		assert_int_equal(b.data[i], 0);
	assert_int_equal(buf_addf(&b, "%s", "again"), 0);
	assert_buf(&b, "again", 5);
	buf_release(&b);
	assert_null(b.data);
	assert_int_equal(b.cap, 0);
}

static void
test_arena_many(void **state)
{
	struct arena	 *a;
	unsigned char	**ptrs, *big;
	uint64_t	 *words;
	size_t		  i, j, size, total = 0;

	(void)state;
	a = arena_new();
	assert_int_equal(arena_used(a), 0);
	ptrs = calloc(20000, sizeof *ptrs);
	assert_non_null(ptrs);
	for (i = 0; i < 20000; i++) {
		size = 1 + i % 97;
		ptrs[i] = arena_alloc(a, size);
		assert_non_null(ptrs[i]);
		/* Zeroed, and aligned to eight. */
		for (j = 0; j < size; j++)
			assert_int_equal(ptrs[i][j], 0);
		assert_int_equal((uintptr_t)ptrs[i] % 8, 0);
		memset(ptrs[i], (int)(i & 0xff), size);
		total += (size + 7) & ~(size_t)7;
	}
	assert_int_equal(arena_used(a), total);
	/* No allocation overlaps another: every pattern survived. */
	for (i = 0; i < 20000; i++) {
		size = 1 + i % 97;
		for (j = 0; j < size; j++)
			assert_int_equal(ptrs[i][j], i & 0xff);
	}
	free(ptrs);

	/* Larger than a chunk, and zero bytes. */
	big = arena_alloc(a, 1024 * 1024);
	assert_int_equal((uintptr_t)big % 8, 0);
	memset(big, 0xab, 1024 * 1024);
	assert_non_null(arena_alloc(a, 0));
	assert_int_equal(arena_used(a), total + 1024 * 1024 + 8);
	words = arena_allocarray(a, 1000, sizeof *words);
	assert_int_equal(words[999], 0);
	words[999] = UINT64_MAX;
	arena_free(a);
	arena_free(NULL);
}

static void
test_arena_alignment(void **state)
{
	struct arena	*a;
	size_t		 size;
	void		*p;
	char		*s;

	(void)state;
	a = arena_new();
	for (size = 0; size < 100; size++) {
		p = arena_alloc(a, size);
		assert_int_equal((uintptr_t)p % 8, 0);
		s = arena_strndup(a, "abcdefghij", size % 11);
		assert_int_equal((uintptr_t)s % 8, 0);
		assert_int_equal(strlen(s), size % 11);
		*(uint64_t *)(void *)arena_alloc(a, 8) = size;
	}
	arena_free(a);
}

static void
test_arena_strings(void **state)
{
	struct arena	*a;
	const char	*src = "hello, arena";
	char		*s;

	(void)state;
	a = arena_new();
	s = arena_strdup(a, src);
	assert_ptr_not_equal(s, src);
	assert_string_equal(s, "hello, arena");
	s = arena_strdup(a, "");
	assert_string_equal(s, "");
	s = arena_strndup(a, "hello, arena", 5);
	assert_string_equal(s, "hello");
	s = arena_strndup(a, "a\0b", 3);
	assert_memory_equal(s, "a\0b\0", 4);
	s = arena_printf(a, "%s-%03d-%c", "web", 7, 'x');
	assert_string_equal(s, "web-007-x");
	arena_free(a);
}

/* arena_realloc: in place when last, copied otherwise; new bytes zeroed. */
static void
test_arena_realloc(void **state)
{
	struct arena	*a;
	char		*p, *q, *other;
	size_t		 used, i;

	(void)state;
	a = arena_new();
	p = arena_alloc(a, 16);
	memset(p, 'x', 16);
	used = arena_used(a);
	q = arena_realloc(a, p, 16, 64);
	assert_ptr_equal(q, p);
	assert_int_equal(arena_used(a), used + 48);
	for (i = 0; i < 16; i++)
		assert_int_equal(q[i], 'x');
	for (i = 16; i < 64; i++)
		assert_int_equal(q[i], 0);
	/* Not the latest allocation any more: the contents move. */
	other = arena_alloc(a, 8);
	other[0] = 'o';
	q = arena_realloc(a, p, 64, 128);
	assert_ptr_not_equal(q, p);
	for (i = 0; i < 16; i++)
		assert_int_equal(q[i], 'x');
	for (i = 16; i < 128; i++)
		assert_int_equal(q[i], 0);
	assert_int_equal(other[0], 'o');
	/* NULL grows from nothing. */
	q = arena_realloc(a, NULL, 0, 32);
	for (i = 0; i < 32; i++)
		assert_int_equal(q[i], 0);
	arena_free(a);
}

static void
test_arena_rewind(void **state)
{
	struct arena		*a;
	struct arena_mark	 m;
	unsigned char		*first, *p, *again;
	size_t			 used, i;

	(void)state;
	a = arena_new();
	assert_non_null(arena_strdup(a, "kept"));
	used = arena_used(a);
	arena_mark(a, &m);
	first = arena_alloc(a, 100);
	memset(first, 0xee, 100);
	for (i = 0; i < 100; i++)
		arena_alloc(a, 1000);
	assert_int_equal(arena_used(a), used + 104 + 100 * 1000);
	arena_rewind(a, &m);
	assert_int_equal(arena_used(a), used);
	/* The same memory is handed out again, zeroed. */
	again = arena_alloc(a, 100);
	assert_ptr_equal(again, first);
	for (i = 0; i < 100; i++)
		assert_int_equal(again[i], 0);

	/* Rewinding past chunks allocated since the mark frees them. */
	arena_rewind(a, &m);
	for (i = 0; i < 10; i++) {
		p = arena_alloc(a, 200 * 1024);
		memset(p, 0x55, 200 * 1024);
	}
	assert_int_equal(arena_used(a), used + 10 * 200 * 1024);
	arena_rewind(a, &m);
	assert_int_equal(arena_used(a), used);
	again = arena_alloc(a, 100);
	assert_ptr_equal(again, first);
	assert_int_equal(again[0], 0);

	/* Many rounds in the same memory do not grow the arena. */
	for (i = 0; i < 10000; i++) {
		arena_rewind(a, &m);
		p = arena_alloc(a, 4096);
		assert_ptr_equal(p, first);
		p[4095] = 1;
	}
	assert_int_equal(arena_used(a), used + 4096);
	arena_free(a);
}

static void
test_strmap_basic(void **state)
{
	struct strmap	 m = STRMAP_INIT;
	unsigned	 v = 12345;

	(void)state;
	assert_false(strmap_get(&m, "absent", &v));
	assert_int_equal(v, 12345);
	assert_true(strmap_put(&m, "alpha", 1));
	assert_true(strmap_put(&m, "beta", 2));
	assert_true(strmap_put(&m, "", 3));
	assert_int_equal(m.n, 3);
	assert_true(strmap_get(&m, "alpha", &v));
	assert_int_equal(v, 1);
	assert_true(strmap_get(&m, "beta", &v));
	assert_int_equal(v, 2);
	assert_true(strmap_get(&m, "", &v));
	assert_int_equal(v, 3);
	assert_true(strmap_get(&m, "beta", NULL));
	assert_false(strmap_get(&m, "Alpha", &v));
	assert_false(strmap_get(&m, "alph", &v));

	/* Overwrite: same count, new value, and put says it was not new. */
	assert_false(strmap_put(&m, "alpha", 10));
	assert_int_equal(m.n, 3);
	assert_true(strmap_get(&m, "alpha", &v));
	assert_int_equal(v, 10);
	assert_int_equal(strmap_hash("alpha"), strmap_hash("alpha"));
	assert_int_not_equal(strmap_hash("alpha"), strmap_hash("alphb"));
	assert_int_not_equal(strmap_hash(""), strmap_hash("a"));
	strmap_release(&m);
	assert_int_equal(m.n, 0);
	assert_null(m.slots);
	assert_false(strmap_get(&m, "alpha", &v));
}

static void
test_strmap_growth(void **state)
{
	struct strmap	  m = STRMAP_INIT;
	struct arena	 *a;
	const char	**keys;
	char		  probe[32];
	unsigned	  v, i;

	(void)state;
	a = arena_new();
	keys = calloc(100000, sizeof *keys);
	assert_non_null(keys);
	for (i = 0; i < 100000; i++) {
		keys[i] = arena_printf(a, "host%06u.example.com", i);
		assert_true(strmap_put(&m, keys[i], i));
		/* The load factor stays at or under one half. */
		assert_true(m.n * 2 <= m.cap);
	}
	assert_int_equal(m.n, 100000);
	assert_int_equal(m.cap & (m.cap - 1), 0);
	for (i = 0; i < 100000; i++) {
		/* Looked up through a different pointer than the stored one. */
		snprintf(probe, sizeof probe, "host%06u.example.com", i);
		assert_true(strmap_get(&m, probe, &v));
		assert_int_equal(v, i);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(probe, sizeof probe, "host%06u.example.org", i);
		assert_false(strmap_get(&m, probe, &v));
	}
	for (i = 0; i < 100000; i += 7)
		assert_false(strmap_put(&m, keys[i], i + 1));
	assert_int_equal(m.n, 100000);
	assert_true(strmap_get(&m, "host000007.example.com", &v));
	assert_int_equal(v, 8);
	assert_true(strmap_get(&m, "host000008.example.com", &v));
	assert_int_equal(v, 8);
	strmap_release(&m);
	free(keys);
	arena_free(a);
}

static void
test_read_file(void **state)
{
	char		 path[] = "/tmp/lb-buf-XXXXXX";
	struct buf	 b = BUF_INIT;
	FILE		*f;
	int		 fd;

	(void)state;
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(f = fdopen(fd, "w"));
	fputs("s3cret\r\n", f);
	assert_int_equal(fclose(f), 0);

	buf_adds(&b, "<");
	assert_int_equal(buf_read_file(&b, path, 100), 0);
	assert_int_equal(b.len, 9);
	assert_memory_equal(b.data, "<s3cret\r\n", 9);
	buf_chomp(&b);
	assert_string_equal(buf_str(&b), "<s3cret");
	buf_chomp(&b);		/* only one line end goes */
	assert_string_equal(buf_str(&b), "<s3cret");
	buf_reset(&b);
	assert_int_equal(buf_read_file(&b, path, 7), EFBIG);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(buf_read_file(&b, path, 100), ENOENT);
	buf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_empty),
		cmocka_unit_test(test_buf_append),
		cmocka_unit_test(test_buf_limit),
		cmocka_unit_test(test_buf_truncate),
		cmocka_unit_test(test_buf_detach),
		cmocka_unit_test(test_buf_wipe),
		cmocka_unit_test(test_arena_many),
		cmocka_unit_test(test_arena_alignment),
		cmocka_unit_test(test_arena_strings),
		cmocka_unit_test(test_arena_rewind),
		cmocka_unit_test(test_arena_realloc),
		cmocka_unit_test(test_strmap_basic),
		cmocka_unit_test(test_strmap_growth),
		cmocka_unit_test(test_read_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
