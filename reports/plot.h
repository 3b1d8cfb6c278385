/*
 * plot.h: where reports send their gnuplot commands, and the one way a name becomes part
 * of a command.
 *
 * A struct plot_sink takes command text. Two backends: plot_gnuplot_create runs gnuplot
 * with its standard input on a pipe (the plots are drawn as the text arrives), and
 * plot_record_create only keeps the text, so tests can read exactly what would have been
 * sent. Write errors are sticky: after the first one, further writes do nothing and
 * plot_finish returns it, so a caller can write a whole figure and check once.
 *
 * gnuplot can run shell commands (system(), `backquotes`, a leading '!'), expands @macros,
 * and interprets markup in enhanced text. So no name from a trace, device, policy, model,
 * tag or parameter is ever written with plot_printf: it goes through plot_quote (or
 * plot_str), which makes it one inert single-quoted string literal. Numbers are written
 * with plot_printf formats of numeric types only. Scripts should also `set termoption
 * noenhanced` (the terminals below are opened noenhanced) so _ ^ { } @ & ~ print as
 * themselves.
 *
 * Not for deciding what to plot (charts.c) nor for files other than gnuplot's.
 */
#ifndef ADASCALE_PLOT_H
#define ADASCALE_PLOT_H

#include <stddef.h>

#include "err.h"

struct plot_sink;

/* Backend operations; a backend is a struct that begins with struct plot_sink. */
typedef int (*plot_write_fn)(struct plot_sink *s, const char *buf, size_t len,
			     struct errbuf *eb);
typedef int (*plot_finish_fn)(struct plot_sink *s, struct errbuf *eb);
typedef void (*plot_free_fn)(struct plot_sink *s);

/*
 * Starts `program -d` (gnuplot without init files; program NULL means "gnuplot", looked up
 * on PATH) with dir as its working directory, so that `set output 'name.png'` writes into
 * dir without dir's name ever being part of a command. Its output and messages go to an
 * anonymous temporary file and are quoted in the error when it fails. While the sink
 * lives, SIGPIPE is ignored (a gnuplot that died shows as a write error, not a killed
 * harness); plot_sink_destroy restores it. NULL on failure: ERR_CHILD with "cannot run
 * gnuplot (...)" when the program does not exist or cannot start.
 */
struct plot_sink *plot_gnuplot_create(const char *program, const char *dir, struct errbuf *eb);

/* A sink that keeps the text; NULL when out of memory. */
struct plot_sink *plot_record_create(struct errbuf *eb);
/* The text recorded so far (NUL-terminated; owned by s); NULL if s is not a recording. */
const char *plot_record_text(const struct plot_sink *s);

/* Appends text as is. Only for text the program wrote itself, never for names. */
int plot_write(struct plot_sink *s, const char *text);
/* printf into the sink; for numbers and fixed words only (%s of a name is a bug). */
int plot_printf(struct plot_sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends plot_quote(text): the way to put any name into a command. */
int plot_str(struct plot_sink *s, const char *text);

/*
 * Ends the input and, for gnuplot, waits for it: 0 only when every write succeeded and
 * gnuplot exited with status 0; otherwise the first error, or ERR_CHILD with gnuplot's
 * own message. Called once; plot_sink_destroy still has to be called.
 */
int plot_finish(struct plot_sink *s, struct errbuf *eb);

/* Frees the sink (and stops a gnuplot that was not finished); accepts NULL. */
void plot_sink_destroy(struct plot_sink *s);

/* The longest text plot_quote keeps from one name (in bytes, before quoting). */
#define PLOT_QUOTE_MAX_TEXT 160
/* A buffer this large always holds plot_quote's result for PLOT_QUOTE_MAX_TEXT. */
#define PLOT_QUOTE_LEN (3 * PLOT_QUOTE_MAX_TEXT + 8)

/*
 * Turns any string into one gnuplot single-quoted string literal, written into out
 * (NUL-terminated; len >= 8). Inside single quotes gnuplot does no backquote (shell)
 * substitution, no @macro expansion and no backslash processing, so the only character
 * that could end the literal early is the single quote itself, and a line end would end
 * the command. Therefore:
 *   - ' becomes U+2019 and ` becomes U+2018 (typographic quotes: the literal never holds
 *     an ASCII quote, so it needs no doubling, which gnuplot's scanner mishandles at the
 *     start of a string and in runs of quotes, and its macro scanner cannot lose track);
 *   - control characters (newline, CR, tab, ...) and DEL become spaces;
 *   - bytes that are not valid UTF-8 become '?';
 *   - text longer than PLOT_QUOTE_MAX_TEXT bytes, or than out can hold, is cut at a
 *     character boundary and ends in "...".
 * NULL is the empty literal ''. Returns the length written.
 */
size_t plot_quote(char *out, size_t len, const char *s);

#endif
