/*
 * test_trace.c: the trace reader: columns, holding values, metadata, and the file:line
 * messages for malformed traces.
 */
#include <criterion/criterion.h>

#include "err.h"
#include "testutil.h"
#include "trace.h"

Test(trace, reads_columns_and_empty_fields_hold)
{
	const char *p = tu_write("t.csv", "# max_freq_mhz: 2000\n"
					  "time_s,freq_mhz.1,util_other,mem_avail_mb\n"
					  "0,2000,0.1,3000\n0.5,,0.9,\n1.25,1000,,2500\n");
	struct errbuf eb = {0};
	struct trace *t = trace_open(p, &eb);
	cr_assert_not_null(t, "%s", eb.msg);
	cr_assert_float_eq(trace_max_freq_mhz(t, 1), 2000, 0);
	cr_assert_eq(trace_columns(t), (TRACE_FREQ0 << 1) | TRACE_UTIL | TRACE_MEM);
	struct trace_row r;
	cr_assert_eq(trace_next(t, &r, &eb), 1);
	cr_assert_eq(r.t_ns, 0);
	cr_assert_eq(r.set, (TRACE_FREQ0 << 1) | TRACE_UTIL | TRACE_MEM);
	cr_assert_eq(trace_next(t, &r, &eb), 1);
	cr_assert_eq(r.t_ns, 500000000);
	cr_assert_eq(r.set, TRACE_UTIL, "empty fields set nothing");
	cr_assert_float_eq(r.util_other, 0.9, 1e-12);
	cr_assert_eq(trace_next(t, &r, &eb), 1);
	cr_assert_eq(r.t_ns, 1250000000);
	cr_assert_float_eq(r.freq_mhz[1], 1000, 0);
	cr_assert_eq(trace_next(t, &r, &eb), 0);
	trace_close(t);
}

struct bad_case {
	const char *name, *text, *expect;
};

Test(trace, malformed_traces_name_file_line_and_problem)
{
	static const struct bad_case cases[] = {
		{"back.csv", "time_s,util_other\n0,0\n2,0.5\n1,0.5\n",
		 "back.csv:4: time goes backwards"},
		{"util.csv", "time_s,util_other\n0,1.5\n",
		 "util.csv:2:2: column 'util_other': 1.5 is outside [0, 1]"},
		{"nan.csv", "time_s,mem_avail_mb\n0,nan\n", "nan.csv:2:2: column 'mem_avail_mb'"},
		{"unk.csv", "time_s,util_othr\n0,0\n", "unk.csv:1:2: unknown column 'util_othr'"},
		{"notime.csv", "util_other\n0\n", "notime.csv:1: no time_s column"},
		{"short.csv", "time_s,util_other\n0,0\n1\n", "short.csv:3: 1 fields, the header has 2"},
		{"charge.csv", "time_s,charging\n0,0.5\n", "charge.csv:2: charging must be 0 or 1"},
		{"neg.csv", "time_s,util_other\n-1,0\n", "neg.csv:2:1: column 'time_s'"},
		{"rows.csv", "time_s,util_other\n", "rows.csv:1: no data rows"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *expect = cases[i].expect;
		struct errbuf eb = {0};
		const char *p = tu_write(cases[i].name, cases[i].text);
		struct trace *t = trace_open(p, &eb);
		int rc = 0;
		if (t) {
			struct trace_row r;
			while ((rc = trace_next(t, &r, &eb)) == 1)
				;
			trace_close(t);
		}
		cr_expect(!t || rc < 0, "%s: accepted", cases[i].name);
		cr_expect(tu_has(eb.msg, expect), "%s: got '%s', want '%s'", cases[i].name, eb.msg,
			  expect);
	}
}
