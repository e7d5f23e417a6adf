// SPDX-License-Identifier: GPL-2.0
/*
 * mkipc(tool): the JSON writer of --json. See json.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

static void jw_string(struct jw *w, const char *s)
{
	const unsigned char *p;

	fputc('"', w->f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(w->f, "\\%c", *p);
		else if (*p == '\n')
			fputs("\\n", w->f);
		else if (*p == '\t')
			fputs("\\t", w->f);
		else if (*p < 0x20)
			fprintf(w->f, "\\u%04x", *p);
		else
			fputc(*p, w->f);
	}
	fputc('"', w->f);
}

/* Starts a member (@key) or an array element (@key NULL). */
static void jw_key(struct jw *w, const char *key)
{
	if (w->depth) {
		fprintf(w->f, "%s\n%*s", w->need_comma ? "," : "",
			2 * w->depth, "");
	}
	if (key) {
		jw_string(w, key);
		fputs(": ", w->f);
	}
	w->need_comma = true;
}

void jw_open(struct jw *w, const char *key, char c)
{
	jw_key(w, key);
	fputc(c, w->f);
	w->depth++;
	w->need_comma = false;
}

void jw_close(struct jw *w, char c)
{
	w->depth--;
	/* need_comma still false: the container is empty, close it inline */
	if (w->need_comma)
		fprintf(w->f, "\n%*s", 2 * w->depth, "");
	fputc(c, w->f);
	w->need_comma = true;
	if (!w->depth)
		fputc('\n', w->f);
}

void jw_str(struct jw *w, const char *key, const char *val)
{
	jw_key(w, key);
	if (val)
		jw_string(w, val);
	else
		fputs("null", w->f);
}

void jw_u64(struct jw *w, const char *key, __u64 val)
{
	jw_key(w, key);
	fprintf(w->f, "%llu", val);
}

void jw_i64(struct jw *w, const char *key, __s64 val)
{
	jw_key(w, key);
	fprintf(w->f, "%lld", val);
}

void jw_double(struct jw *w, const char *key, double val)
{
	jw_key(w, key);
	fprintf(w->f, "%.1f", val);
}

void jw_bool(struct jw *w, const char *key, bool val)
{
	jw_key(w, key);
	fputs(val ? "true" : "false", w->f);
}

void jw_null(struct jw *w, const char *key)
{
	jw_key(w, key);
	fputs("null", w->f);
}

/*
 * A token as a JSON number when it is a plain decimal integer, else as a
 * string.
 */
void jw_token(struct jw *w, const char *key, const char *tok)
{
	const char *p = tok;

	if (*p == '-')
		p++;
	if (*p && strspn(p, "0123456789") == strlen(p) &&
	    strlen(p) < 19 && (p[0] != '0' || !p[1])) {
		jw_key(w, key);
		fputs(tok, w->f);
	} else {
		jw_str(w, key, tok);
	}
}

