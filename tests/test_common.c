/*
 * test_common.c: the shared pieces: CSV reading (metadata, BOM, CRLF, field counts, typed
 * fields), strict numbers, the error table and SHA-256.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvin.h"
#include "err.h"
#include "num.h"
#include "sha256.h"
#include "testutil.h"
#include "utf8.h"

Test(common, csv_reads_metadata_header_and_rows)
{
	const char *p = tu_write("a.csv", "# source: somewhere: with colon\n# note plain comment\n"
					  "a,b\n1,x\n\n  # later comment\n\"2,5\",y\n");
	struct errbuf eb = {0};
	struct csvin *c = csvin_open(p, &eb);
	cr_assert_not_null(c, "%s", eb.msg);
	cr_assert_str_eq(csvin_meta(c, "source"), "somewhere: with colon");
	cr_assert_null(csvin_meta(c, "note"));
	cr_assert_eq(csvin_n_cols(c), 2);
	cr_assert_eq(csvin_next(c, &eb), 1);
	cr_assert_eq(csvin_line(c), 4);
	cr_assert_str_eq(csvin_field(c, 1), "x");
	cr_assert_eq(csvin_next(c, &eb), 1);
	cr_assert_eq(csvin_line(c), 7);
	cr_assert_str_eq(csvin_field(c, 0), "2,5");
	cr_assert_eq(csvin_next(c, &eb), 0);
	csvin_close(c);
}

Test(common, csv_bom_and_crlf_read_as_plain)
{
	const char *plain = tu_write("plain.csv", "# k: v\nx,y\n1,2\n3,4\n");
	const char *odd = tu_write("odd.csv", "\xEF\xBB\xBF# k: v\r\nx,y\r\n1,2\r\n3,4\r\n");
	const char *paths[2] = {plain, odd};
	char got[2][64];
	for (int i = 0; i < 2; i++) {
		struct errbuf eb = {0};
		struct csvin *c = csvin_open(paths[i], &eb);
		cr_assert_not_null(c, "%s", eb.msg);
		cr_assert_str_eq(csvin_col_name(c, 0), "x");
		cr_assert_str_eq(csvin_meta(c, "k"), "v");
		got[i][0] = '\0';
		while (csvin_next(c, &eb) == 1)
			snprintf(got[i] + strlen(got[i]), 64 - strlen(got[i]), "%s|%s;",
				 csvin_field(c, 0), csvin_field(c, 1));
		csvin_close(c);
	}
	cr_assert_str_eq(got[0], got[1]);
	cr_assert_str_eq(got[0], "1|2;3|4;");
}

Test(common, csv_wrong_field_count_names_line)
{
	const char *p = tu_write("bad.csv", "a,b,c\n1,2,3\n4,5\n");
	struct errbuf eb = {0};
	struct csvin *c = csvin_open(p, &eb);
	cr_assert_not_null(c);
	cr_assert_eq(csvin_next(c, &eb), 1);
	cr_assert_eq(csvin_next(c, &eb), ERR_PARSE);
	cr_assert(tu_has(eb.msg, "bad.csv:3:"), "%s", eb.msg);
	cr_assert(tu_has(eb.msg, "2 fields, the header has 3"), "%s", eb.msg);
	csvin_close(c);
}

Test(common, csv_typed_fields_reject_nan_and_text)
{
	const char *p = tu_write("num.csv", "v\nnan\n1e400\nabc\n42\n\n");
	struct errbuf eb = {0};
	struct csvin *c = csvin_open(p, &eb);
	double d;
	cr_assert_eq(csvin_next(c, &eb), 1);
	cr_assert_eq(csvin_double(c, 0, &d, &eb), ERR_PARSE);
	cr_assert(tu_has(eb.msg, "num.csv:2:1: column 'v'"), "%s", eb.msg);
	cr_assert_eq(csvin_next(c, &eb), 1);
	cr_assert_eq(csvin_double(c, 0, &d, &eb), ERR_RANGE);
	cr_assert_eq(csvin_next(c, &eb), 1);
	cr_assert_eq(csvin_double(c, 0, &d, &eb), ERR_PARSE);
	cr_assert_eq(csvin_next(c, &eb), 1);
	cr_assert_eq(csvin_double_in(c, 0, 0, 10, &d, &eb), ERR_RANGE);
	cr_assert(tu_has(eb.msg, "outside [0, 10]"), "%s", eb.msg);
	csvin_close(c);
}

Test(common, csv_lines_across_blocks_and_longer_than_one_are_read_whole_and_hashed)
{
	/*
	 * The reader takes the file 64 KB at a time: rows that straddle two reads, a field
	 * longer than a read, and a last line without a line end must all come out whole, and
	 * the hash taken from the same reads must be the file's.
	 */
	size_t cap = 600000, n = 0;
	char *text = malloc(cap);
	cr_assert_not_null(text);
	n += (size_t)snprintf(text + n, cap - n, "# note: long\nid,name\n");
	int rows = 0;
	for (; n < 150000; rows++)
		n += (size_t)snprintf(text + n, cap - n, "%d,row %d of many\r\n", rows, rows);
	/* a 200,000-byte field */
	n += (size_t)snprintf(text + n, cap - n, "%d,", rows++);
	memset(text + n, 'x', 200000);
	n += 200000;
	text[n++] = '\n';
	n += (size_t)snprintf(text + n, cap - n, "%d,last", rows++); /* no line end */
	char path[4096];
	snprintf(path, sizeof path, "%s/blocks.csv", tu_dir());
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(text, 1, n, f), n);
	cr_assert_eq(fclose(f), 0);

	struct sha256 h;
	sha256_init(&h);
	struct errbuf eb = {0};
	struct csvin *c = csvin_open_hashed(path, &h, &eb);
	cr_assert_not_null(c, "%s", eb.msg);
	for (int i = 0; i < rows; i++) {
		cr_assert_eq(csvin_next(c, &eb), 1, "row %d: %s", i, eb.msg);
		long id;
		cr_assert_eq(csvin_long(c, 0, &id, &eb), 0, "%s", eb.msg);
		cr_assert_eq(id, i);
		const char *name = csvin_field(c, 1);
		if (i == rows - 2)
			cr_assert(strlen(name) == 200000 && name[0] == 'x' && name[199999] == 'x');
		else if (i == rows - 1)
			cr_assert_str_eq(name, "last");
		else
			cr_assert(strncmp(name, "row ", 4) == 0 && strchr(name, '\r') == NULL,
				  "row %d: '%s'", i, name);
	}
	cr_assert_eq(csvin_next(c, &eb), 0);
	cr_assert_eq(csvin_hash_rest(c, &eb), 0);
	char got[65], want[65];
	sha256_final_hex(&h, got);
	cr_assert_eq(sha256_file(path, want), 0);
	cr_assert_str_eq(got, want);
	csvin_close(c);

	/* stopping early: the rest of the file still goes into the hash */
	sha256_init(&h);
	c = csvin_open_hashed(path, &h, &eb);
	cr_assert_not_null(c, "%s", eb.msg);
	cr_assert_eq(csvin_next(c, &eb), 1);
	cr_assert_eq(csvin_hash_rest(c, &eb), 0);
	sha256_final_hex(&h, got);
	cr_assert_str_eq(got, want);
	csvin_close(c);
	free(text);
}

Test(common, csv_missing_and_empty_files)
{
	struct errbuf eb = {0};
	cr_assert_null(csvin_open("/nonexistent/x.csv", &eb));
	cr_assert_eq(eb.code, ERR_NOTFOUND);
	cr_assert(tu_has(eb.msg, "/nonexistent/x.csv: cannot open"), "%s", eb.msg);
	cr_assert_null(csvin_open(tu_write("empty.csv", ""), &eb));
	cr_assert(tu_has(eb.msg, "empty.csv:1: no header row"), "%s", eb.msg);
}

Test(common, csv_unterminated_quote_is_an_error)
{
	struct errbuf eb = {0};
	struct csvin *c = csvin_open(tu_write("q2.csv", "a,b\n\"open,1\n"), &eb);
	cr_assert_not_null(c);
	cr_assert_eq(csvin_next(c, &eb), ERR_PARSE);
	cr_assert(tu_has(eb.msg, "q2.csv:2: bad quoting"), "%s", eb.msg);
	csvin_close(c);
}

Test(common, numbers_are_strict)
{
	double d;
	long l;
	cr_assert_eq(num_double(" 2.5 ", &d), 0);
	cr_assert_float_eq(d, 2.5, 0);
	cr_assert_eq(num_double("2.5x", &d), ERR_PARSE);
	cr_assert_eq(num_double("inf", &d), ERR_PARSE);
	cr_assert_eq(num_double("", &d), ERR_PARSE);
	cr_assert_eq(num_long("12", &l), 0);
	cr_assert_eq(num_long("1.5", &l), ERR_PARSE);
	cr_assert_eq(num_long("99999999999999999999", &l), ERR_RANGE);
}

Test(common, error_table_names_and_statuses)
{
	cr_assert_str_eq(err_name(ERR_PARSE), "PARSE");
	cr_assert_str_eq(err_msg(ERR_NOMEM), "out of memory");
	cr_assert_str_eq(err_name(-999), "UNKNOWN");
	cr_assert_eq(err_exit_status(ERR_PARSE), 2);
	cr_assert_eq(err_exit_status(ERR_DB), 1);
	cr_assert_eq(err_exit_status(0), 0);
}

Test(common, error_messages_escape_broken_utf8_and_control_bytes)
{
	struct errbuf eb = {0, ""};
	/* kept: ASCII, newline, tab, 2-, 3- and 4-byte UTF-8 */
	err_set(&eb, ERR_PARSE, "f.csv:2: '%s'", "a\tb\nc \xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80");
	cr_assert_str_eq(eb.msg, "f.csv:2: 'a\tb\nc \xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80'");
	cr_assert_eq(eb.code, ERR_PARSE);
	/* escaped: a stray byte, an escape sequence, DEL, overlong, surrogate, cut sequences */
	err_set(&eb, ERR_PARSE, "%s|%s|%s|%s|%s|%s", "x\xffy", "\x1b[31m", "\x7f", "\xc0\xaf",
		"\xed\xa0\x80", "\xe6\x97");
	cr_assert_str_eq(eb.msg, "x\\xffy|\\x1b[31m|\\x7f|\\xc0\\xaf|\\xed\\xa0\\x80|\\xe6\\x97");
	/* err_wrap keeps what was escaped as it was */
	err_wrap(&eb, "while reading %s", "t\x01.csv");
	cr_assert(strncmp(eb.msg, "while reading t\\x01.csv: x\\xffy|", 31) == 0, "%s", eb.msg);
	/* a message that grows past the buffer is cut, still NUL-terminated */
	char big[ERRBUF_LEN];
	memset(big, 0xff, sizeof big - 1);
	big[sizeof big - 1] = 0;
	err_set(&eb, ERR_PARSE, "%s", big);
	cr_assert_lt(strlen(eb.msg), sizeof eb.msg);
	cr_assert(strncmp(eb.msg, "\\xff\\xff", 8) == 0, "%.20s", eb.msg);
}

Test(common, utf8_walk_steps_over_whole_characters_and_single_broken_bytes)
{
	/* Each step as one letter: T printable ASCII, C control, B broken byte, 2-4 a whole
	 * character of that many bytes. */
	static const struct {
		const char *in, *steps;
	} cases[] = {
		{"", ""},
		{"a ~", "TTT"},
		{"\x01\x1f\x7f\t\n", "CCCCC"},
		{"\xC2\x80", "2"},             /* U+0080, the first 2-byte character */
		{"\xDF\xBF", "2"},             /* U+07FF */
		{"\xC0\x80", "BB"},            /* overlong NUL */
		{"\xC1\xBF", "BB"},            /* overlong U+007F */
		{"\xE0\xA0\x80", "3"},         /* U+0800 */
		{"\xE0\x9F\xBF", "BBB"},       /* overlong U+07FF */
		{"\xED\x9F\xBF", "3"},         /* U+D7FF, the last before the surrogates */
		{"\xED\xA0\x80", "BBB"},       /* U+D800 */
		{"\xED\xBF\xBF", "BBB"},       /* U+DFFF */
		{"\xEE\x80\x80", "3"},         /* U+E000 */
		{"\xEF\xBF\xBF", "3"},         /* U+FFFF */
		{"\xF0\x90\x80\x80", "4"},     /* U+10000 */
		{"\xF0\x8F\xBF\xBF", "BBBB"},  /* overlong U+FFFF */
		{"\xF4\x8F\xBF\xBF", "4"},     /* U+10FFFF */
		{"\xF4\x90\x80\x80", "BBBB"},  /* U+110000 */
		{"\xF5\x80\x80\x80", "BBBB"},  /* no such lead byte */
		{"\xFF\xFE", "BB"},
		{"\x80\xBF", "BB"},            /* stray continuation bytes */
		{"\xE6\x97", "BB"},            /* cut by the end */
		{"\xE6\x97" "a", "BBT"},        /* cut by the next character */
		{"\xF0\x9F\x98" " ", "BBBT"},
		{"\xC3\xC3\xA9", "B2"},        /* a lead byte, then a whole character */
		{"x\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80\x1b", "T234C"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char got[64];
		size_t o = 0;
		const char *p = cases[i].in;
		enum utf8_kind k;
		int n;
		while ((k = utf8_step(p, &n)) != UTF8_END && o + 1 < sizeof got) {
			if (k == UTF8_MULTI)
				got[o++] = (char)('0' + n);
			else {
				cr_expect_eq(n, 1, "case %zu: a %d-byte step of kind %d", i, n, (int)k);
				got[o++] = k == UTF8_TEXT ? 'T' : k == UTF8_CTRL ? 'C' : 'B';
			}
			p += n;
		}
		got[o] = '\0';
		cr_expect_eq(n, 0, "case %zu: the end is a step of length 0", i);
		cr_expect_str_eq(got, cases[i].steps, "case %zu", i);
		/* utf8_seq_len agrees: 0 exactly where the walk finds a broken byte */
		if (cases[i].in[0])
			cr_expect_eq(utf8_seq_len(cases[i].in) == 0, cases[i].steps[0] == 'B',
				     "case %zu", i);
	}
}

Test(common, sha256_known_vectors)
{
	/* FIPS 180-4 examples */
	struct sha256 s;
	char hex[65];
	sha256_init(&s);
	sha256_update(&s, "abc", 3);
	sha256_final_hex(&s, hex);
	cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	sha256_init(&s);
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha256_update(&s, two, strlen(two));
	sha256_final_hex(&s, hex);
	cr_assert_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	sha256_init(&s);
	sha256_final_hex(&s, hex);
	cr_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* The hash of buf fed to sha256_update in pieces of the sizes the generator x draws. */
static void sha256_in_pieces(const unsigned char *buf, size_t len, unsigned long long x,
			     char hex[65])
{
	struct sha256 s;
	sha256_init(&s);
	for (size_t at = 0; at < len;) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		size_t take = (size_t)(x % 150);
		if (take > len - at)
			take = len - at;
		sha256_update(&s, buf + at, take);
		at += take;
	}
	sha256_final_hex(&s, hex);
}

/*
 * The SHA-extension form (where this CPU has it) and the portable form give the same hash
 * for every length around the block and padding boundaries, fed whole or in odd pieces;
 * and the portable form gives the FIPS 180-4 one-million-'a' vector.
 */
Test(common, sha256_forms_agree)
{
	unsigned char buf[1000];
	unsigned long long x = 0x9E3779B97F4A7C15ull;
	for (size_t i = 0; i < sizeof buf; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (unsigned char)x;
	}
	for (size_t len = 0; len <= sizeof buf; len += len < 200 ? 1 : 37) {
		char fast[65], slow[65], fast_pieces[65];
		sha256_set_portable(0);
		sha256_in_pieces(buf, len, len + 1, fast_pieces);
		struct sha256 s;
		sha256_init(&s);
		sha256_update(&s, buf, len);
		sha256_final_hex(&s, fast);
		sha256_set_portable(1);
		sha256_in_pieces(buf, len, len + 7, slow);
		cr_assert_str_eq(fast, slow, "length %zu (%s against portable)", len, sha256_form());
		cr_assert_str_eq(fast_pieces, slow, "length %zu in pieces", len);
	}
	static unsigned char a[1000000];
	memset(a, 'a', sizeof a);
	for (int portable = 0; portable <= 1; portable++) {
		sha256_set_portable(portable);
		char hex[65];
		sha256_in_pieces(a, sizeof a, 3, hex);
		cr_assert_str_eq(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
				 "%s", sha256_form());
	}
	sha256_set_portable(0);
}

/* The fast decimal path gives strtod's bits exactly, on random decimals of every shape. */
Test(common, number_parsing_matches_strtod_bit_for_bit)
{
	unsigned long long x = 88172645463325252ull;
	char buf[64];
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int digits = 1 + (int)(x % 17), point = (int)((x >> 8) % 19), ex = (int)((x >> 16) % 61) - 30;
		int n = 0;
		if (x & (1ull << 40))
			buf[n++] = '-';
		unsigned long long y = x >> 20;
		for (int d = 0; d < digits; d++) {
			if (d == point)
				buf[n++] = '.';
			buf[n++] = (char)('0' + y % 10);
			y = y / 10 ? y / 10 : x * 2654435761u;
		}
		if (x & (1ull << 41))
			n += snprintf(buf + n, sizeof buf - (size_t)n, "e%d", ex);
		buf[n] = '\0';
		double a, b = strtod(buf, NULL);
		cr_assert_eq(num_double(buf, &a), 0, "'%s'", buf);
		cr_assert(memcmp(&a, &b, sizeof a) == 0, "'%s': %.17g vs strtod %.17g", buf, a, b);
	}
}

/* ---- the option parser ---- */

#include <criterion/redirect.h>

#include "opt.h"

static int parse_pair(const char *v, void *dst, char *why, size_t n)
{
	int *p = dst;
	if (sscanf(v, "%d/%d", &p[0], &p[1]) != 2) {
		snprintf(why, n, "expected I/N");
		return -1;
	}
	return 0;
}

Test(common, opt_parses_every_type_in_both_spellings)
{
	static const struct opt_verb v = {"prog", "verb", "usage: prog verb\n"};
	const char *s = NULL;
	double d = 0;
	int flag = 0, i = 0, pair[2] = {0, 0};
	uint64_t u = 0;
	const struct opt opts[] = {
		{"name", 'n', OPT_STR, &s, 0, 0, NULL, NULL},
		{"x", 0, OPT_DOUBLE, &d, 0, 10, NULL, "takes 0..10"},
		{"f", 0, OPT_FLAG, &flag, 0, 0, NULL, NULL},
		{"count", 'c', OPT_INT, &i, 1, 5, NULL, "takes 1..5"},
		{"seed", 0, OPT_U64, &u, 0, 0, NULL, NULL},
		{"pair", 0, OPT_FN, pair, 0, 0, parse_pair, NULL},
		{0}};
	char a0[] = "verb", a1[] = "--name=abc", a2[] = "pos1", a3[] = "--x", a4[] = "2.5",
	     a5[] = "--f", a6[] = "-c3", a7[] = "--seed", a8[] = "18446744073709551615",
	     a9[] = "--pair=2/7", a10[] = "--", a11[] = "--name";
	char *argv[] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11};
	char *pos[4];
	int n = -1;
	cr_assert_eq(opt_parse(&v, opts, 12, argv, pos, 4, &n), OPT_OK);
	cr_expect_str_eq(s, "abc");
	cr_expect_eq(d, 2.5);
	cr_expect_eq(flag, 1);
	cr_expect_eq(i, 3);
	cr_expect_eq(u, UINT64_MAX);
	cr_expect(pair[0] == 2 && pair[1] == 7);
	cr_assert_eq(n, 2, "positional: %d", n);
	cr_expect_str_eq(pos[0], "pos1");
	cr_expect_str_eq(pos[1], "--name"); /* after "--" everything is positional */

	char b1[] = "-n", b2[] = "z", b3[] = "--count", b4[] = "5";
	char *argv2[] = {a0, b1, b2, b3, b4};
	cr_assert_eq(opt_parse(&v, opts, 5, argv2, pos, 0, &n), OPT_OK);
	cr_expect_str_eq(s, "z");
	cr_expect_eq(i, 5);
}

Test(common, opt_refuses_with_one_message_shape, .init = cr_redirect_stderr)
{
	static const struct opt_verb v = {"prog", "verb", "usage: prog verb\n"};
	double d = 0;
	int i = 0, flag = 0, pair[2];
	const struct opt opts[] = {
		{"x", 0, OPT_DOUBLE, &d, 0, 10, NULL, "takes 0..10"},
		{"count", 0, OPT_INT, &i, 1, 5, NULL, "takes 1..5"},
		{"f", 0, OPT_FLAG, &flag, 0, 0, NULL, NULL},
		{"pair", 0, OPT_FN, pair, 0, 0, parse_pair, NULL},
		{0}};
	static const char *const bad[][3] = {
		{"--x=11", NULL, NULL},   {"--x", "nan", NULL},     {"--count=6", NULL, NULL},
		{"--count", "2.5", NULL}, {"--f=1", NULL, NULL},    {"--x", NULL, NULL},
		{"--xx=1", NULL, NULL},   {"--pair=3", NULL, NULL}, {"extra", NULL, NULL},
		{"--co=2", NULL, NULL}, /* no abbreviations */
	};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		char words[4][32] = {"verb"};
		char *argv[4] = {words[0], words[1], words[2], words[3]};
		int argc = 1;
		for (int j = 0; j < 3 && bad[k][j]; j++)
			snprintf(words[argc++], sizeof words[0], "%s", bad[k][j]);
		int n;
		cr_expect_eq(opt_parse(&v, opts, argc, argv, NULL, 0, &n), OPT_ERROR, "%s",
			     bad[k][0]);
	}
	fflush(stderr);
	char buf[8192] = "";
	FILE *f = cr_get_redirected_stderr();
	size_t got = fread(buf, 1, sizeof buf - 1, f);
	buf[got] = '\0';
	cr_expect(strstr(buf, "prog verb: --x '11' takes 0..10 (prog verb --help)\n"), "%s", buf);
	cr_expect(strstr(buf, "prog verb: --count '6' takes 1..5 (prog verb --help)\n"), "%s", buf);
	cr_expect(strstr(buf, "prog verb: --f takes no value"), "%s", buf);
	cr_expect(strstr(buf, "prog verb: --x needs a value"), "%s", buf);
	cr_expect(strstr(buf, "prog verb: unknown option '--xx'"), "%s", buf);
	cr_expect(strstr(buf, "prog verb: --pair '3': expected I/N"), "%s", buf);
	cr_expect(strstr(buf, "prog verb: unexpected argument 'extra'"), "%s", buf);
	cr_expect(strstr(buf, "prog verb: unknown option '--co'"), "%s", buf);
}

/* ---- common/afile: whole or nothing ---- */

#include <dirent.h>
#include <sys/stat.h>

#include "afile.h"

/* Entries of tu_dir() whose names start with prefix. */
static int count_named(const char *prefix)
{
	DIR *d = opendir(tu_dir());
	cr_assert(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
	closedir(d);
	return n;
}

Test(common, afile_shows_nothing_until_commit_and_leaves_nothing_when_dropped)
{
	const char *path = tu_scratch("afile-drop.txt");
	struct errbuf eb = {0, ""};
	struct afile *o = afile_create(path, &eb);
	cr_assert(o, "%s", eb.msg);
	fputs("half", afile_stream(o));
	struct stat st;
	cr_assert_neq(stat(path, &st), 0, "the target appeared before the commit");
	cr_assert_eq(count_named("afile-drop.txt"), 1, "one temporary file beside the target");
	afile_destroy(o);
	cr_assert_eq(count_named("afile-drop.txt"), 0, "a dropped output left a file behind");
}

Test(common, afile_replacing_keeps_the_permissions_and_a_new_file_follows_the_umask)
{
	const char *old = tu_write("afile-perm.txt", "old\n");
	cr_assert_eq(chmod(old, 0640), 0);
	struct errbuf eb = {0, ""};
	struct afile *o = afile_create(old, &eb);
	cr_assert(o, "%s", eb.msg);
	fputs("new\n", afile_stream(o));
	cr_assert_eq(afile_commit(o, &eb), 0, "%s", eb.msg);
	afile_destroy(o);
	struct stat st;
	cr_assert_eq(stat(old, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0640, "mode %o", (unsigned)(st.st_mode & 07777));

	mode_t mask = umask(027);
	const char *fresh = tu_scratch("afile-new.txt");
	o = afile_create(fresh, &eb);
	cr_assert(o, "%s", eb.msg);
	cr_assert_eq(afile_commit(o, &eb), 0, "%s", eb.msg);
	afile_destroy(o);
	umask(mask);
	cr_assert_eq(stat(fresh, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0640, "mode %o (umask 027)", (unsigned)(st.st_mode & 07777));
}

Test(common, afile_temp_path_is_an_empty_file_beside_the_target_that_commit_moves)
{
	const char *path = tu_scratch("afile-bypath.db");
	struct errbuf eb = {0, ""};
	struct afile *o = afile_create(path, &eb);
	cr_assert(o, "%s", eb.msg);
	const char *tmp = afile_temp_path(o);
	cr_assert(tmp);
	cr_assert_eq(strncmp(tmp, path, strlen(path)), 0, "%s is not beside %s", tmp, path);
	struct stat st;
	cr_assert_eq(stat(tmp, &st), 0);
	cr_assert_eq(st.st_size, 0);
	FILE *f = fopen(tmp, "w"); /* a writer of its own, as SQLite is */
	cr_assert(f);
	fputs("by name\n", f);
	fclose(f);
	cr_assert_eq(afile_commit(o, &eb), 0, "%s", eb.msg);
	afile_destroy(o);
	char buf[64] = "";
	f = fopen(path, "r");
	cr_assert(f);
	cr_assert(fgets(buf, sizeof buf, f));
	fclose(f);
	cr_assert_str_eq(buf, "by name\n");
	struct afile *s = afile_create("-", &eb);
	cr_assert(s);
	cr_assert_null(afile_temp_path(s));
	afile_destroy(s);
}

/* ---- common/paths: a path named from a file's folder ---- */

#include "paths.h"

Test(common, paths_beside_folds_only_what_the_kernel_would)
{
	char out[4096], cmd[1024], buf[256];
	snprintf(cmd, sizeof cmd, "mkdir -p %s/p/q %s/real/deep && ln -sfn %s/real/deep %s/p/link",
		 tu_dir(), tu_dir(), tu_dir(), tu_dir());
	cr_assert_eq(tu_run(cmd, buf, sizeof buf), 0, "%s", buf);
	static const struct {
		const char *file, *rel, *want; /* a leading '@' stands for tu_dir() */
	} cases[] = {
		{"@/p/q/s.ini", "../../x.csv", "@/x.csv"},
		{"@/p/q/s.ini", "./a/./b.csv", "@/p/q/a/b.csv"},
		{"@/p/q/s.ini", "/abs/x.csv", "/abs/x.csv"},
		/* link/.. is real/, not p/: left for the kernel to resolve */
		{"@/p/link/s.ini", "../x.csv", "@/p/link/../x.csv"},
		/* a folder that does not exist is not folded either */
		{"@/p/none/s.ini", "../x.csv", "@/p/none/../x.csv"},
		{"s.ini", "x.csv", "x.csv"},
		/* "/usr/.." is "/", and ".." of "/" stays as written */
		{"/usr/s.ini", "../../x", "/../x"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char file[1024], want[1024];
		int at_f = cases[i].file[0] == '@', at_w = cases[i].want[0] == '@';
		snprintf(file, sizeof file, "%s%s", at_f ? tu_dir() : "", cases[i].file + at_f);
		snprintf(want, sizeof want, "%s%s", at_w ? tu_dir() : "", cases[i].want + at_w);
		cr_assert_eq(paths_beside(file, cases[i].rel, out, sizeof out), 0);
		cr_assert_str_eq(out, want, "case %zu", i);
	}
	cr_assert_eq(paths_beside("s.ini", "x.csv", out, 3), ERR_RANGE);
}
