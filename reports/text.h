/*
 * text.h: writing names into report files so that they read as text and never as markup
 * or as a broken field: HTML, Markdown, CSV and JSON escaping, each replacing bytes that
 * are not valid UTF-8 (found by the walk of common/utf8.h) and control characters.
 *
 * A name in adascale (trace, device, policy, model, tag, parameter) is any byte string;
 * these writers keep its printable characters and make everything else harmless. They are
 * not for gnuplot: plot.h has its own quoting, for gnuplot's different rules.
 */
#ifndef ADASCALE_REPORT_TEXT_H
#define ADASCALE_REPORT_TEXT_H

#include <stdio.h>

/*
 * Writes s as HTML text: & < > " ' become entities, so the result is safe both between
 * tags and inside a quoted attribute. Control characters become spaces, except that
 * keep_newlines keeps '\n' (for <pre>); invalid UTF-8 bytes become U+FFFD. NULL writes
 * nothing.
 */
void report_html_put(FILE *f, const char *s, int keep_newlines);

/*
 * Writes s as Markdown inline text (a table cell, a heading): the characters that
 * make emphasis, code, links, tables, strikethrough or heading ends (\ ` * _ [ ] | ~ #)
 * are backslash-escaped, & < > become entities (so no raw HTML gets through), control
 * characters and line ends become spaces, invalid UTF-8 becomes U+FFFD. The text stays
 * readable as plain text; NULL writes nothing.
 */
void report_md_put(FILE *f, const char *s);

/*
 * Writes s as a fenced Markdown code block, with a fence of backquotes longer than any run
 * of backquotes in s, so s cannot close it early. Control characters other than '\n' and
 * '\t' become spaces, invalid UTF-8 becomes U+FFFD.
 */
void report_md_code_block(FILE *f, const char *s);

/*
 * Writes s as one CSV field (RFC 4180): quoted when it holds a comma, a quote or a control
 * character, or starts with a blank or '#', or ends with a blank; a quote is doubled,
 * control characters become spaces, invalid UTF-8 becomes U+FFFD. NULL writes nothing.
 */
void report_csv_put(FILE *f, const char *s);

/*
 * Writes s as one JSON string, with its quotes: " and \ are backslash-escaped, newline,
 * CR and tab become \n \r \t, other control characters \u00XX, invalid UTF-8 \ufffd.
 * NULL writes null.
 */
void report_json_put(FILE *f, const char *s);

#endif
