/* SPDX-License-Identifier: MIT
 *
 * cf_params.c - request parameter decoding: form/query text and flat JSON
 * objects into one ordered list of name/value pairs (see cf_params.h).
 *
 * Both decoders are single-pass scanners over (s, len) that never look past
 * len: the input is not NUL-terminated and is hostile (it comes straight off
 * the network and is fuzzed). Each name and value is decoded into a
 * fixed-size stack buffer whose size is the cap, so an over-long item is
 * detected while decoding, before anything is allocated for it, and only
 * the decoded bytes are then copied into the arena. New pairs are collected
 * in a fresh arena array of CF_PARAMS_MAX_COUNT entries (the existing pairs
 * are copied in first) and written to out only on success, so a failed call
 * leaves out unchanged. The JSON grammar accepted is RFC 8259 restricted to
 * one object whose members are scalars or arrays of scalars; nesting is at
 * most two levels, so the parser is a plain loop without recursion.
 *
 * Names containing a NUL byte (from %00, a raw NUL or \u0000) are rejected
 * as CF_EINVAL: names are handed out as C strings, and a silently truncated
 * name ("To\0x" read as "To") would let one parameter pose as another.
 * Values may hold NUL; value_len gives their real length.
 *
 * Byte positions in error messages are 0-based offsets into the input.
 * Parameter names quoted in messages are cut to 64 bytes and any byte that
 * is not printable ASCII is shown as '?', so a message is always plain,
 * short text whatever the input was.
 */
#include "cf_params.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../base/cf_str.h"

#define CF_PARAMS_SHOW_MAX 64 /* bytes of a name quoted in a message */

/* The pairs one call appends, kept apart from out until the call succeeds. */
struct cf_params_acc {
    struct cf_arena *a;           /* borrowed; where pairs are allocated */
    const struct cf_params *base; /* borrowed; the caller's existing pairs */
    struct cf_param *v;           /* arena array of CF_PARAMS_MAX_COUNT, or NULL */
    size_t n;                     /* pairs in v (base pairs included) */
};

/* A fixed-capacity output buffer for one decoded name or value. */
struct cf_params_dst {
    unsigned char *p; /* borrowed storage of cap bytes */
    size_t len;       /* bytes written */
    size_t cap;       /* the size cap for this item */
};

/* A JSON scanner: the input, the position, and where errors go. */
struct cf_json {
    const unsigned char *s; /* borrowed input */
    size_t len;             /* input bytes */
    size_t pos;             /* next byte to read, <= len */
    struct cf_err *err;     /* borrowed; may be NULL */
};

/* Writes a printable, length-limited copy of the name p[0..len) into
 * show (of size CF_PARAMS_SHOW_MAX + 4) for use inside an error message. */
static void cf_params_show(char *show, const unsigned char *p, size_t len)
{
    size_t i, n = len > CF_PARAMS_SHOW_MAX ? CF_PARAMS_SHOW_MAX : len;
    for (i = 0; i < n; i++) {
        unsigned char c = p[i];
        show[i] = (c >= 0x20 && c < 0x7f && c != '\'') ? (char)c : '?';
    }
    if (n < len) {
        memcpy(show + n, "...", 3);
        n += 3;
    }
    show[n] = '\0';
}

/* Appends n bytes to d, or returns CF_ETOOBIG when they would pass its cap. */
static int cf_params_put(struct cf_params_dst *d, const unsigned char *p, size_t n)
{
    if (n > d->cap - d->len) return CF_ETOOBIG;
    memcpy(d->p + d->len, p, n);
    d->len += n;
    return 0;
}

static int cf_params_putc(struct cf_params_dst *d, unsigned char c)
{
    return cf_params_put(d, &c, 1);
}

/* Appends one decoded pair to acc. Returns 0 or CF_ETOOBIG (count cap). */
static int cf_params_add(struct cf_params_acc *acc, const struct cf_params_dst *name,
                         const struct cf_params_dst *value, struct cf_err *err)
{
    struct cf_param *pr;
    if (!acc->v) {
        if (acc->base->n >= CF_PARAMS_MAX_COUNT) goto toomany;
        acc->v = cf_arena_alloc(acc->a, CF_PARAMS_MAX_COUNT * sizeof *acc->v);
        if (acc->base->n) memcpy(acc->v, acc->base->v, acc->base->n * sizeof *acc->v);
        acc->n = acc->base->n;
    }
    if (acc->n >= CF_PARAMS_MAX_COUNT) goto toomany;
    pr = &acc->v[acc->n++];
    pr->name = cf_arena_strndup(acc->a, (const char *)name->p, name->len);
    pr->value = cf_arena_strndup(acc->a, (const char *)value->p, value->len);
    pr->value_len = value->len;
    return 0;
toomany:
    return cf_err_set(err, CF_ETOOBIG, "Too many parameters (more than %d)",
                      CF_PARAMS_MAX_COUNT);
}

/* Publishes the pairs gathered in acc (if any) to out. */
static void cf_params_commit(const struct cf_params_acc *acc, struct cf_params *out)
{
    if (acc->v) {
        out->v = acc->v;
        out->n = acc->n;
    }
}

/* Returns the value 0-15 of hex digit c, or -1. */
static int cf_params_hex(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* ---- application/x-www-form-urlencoded ---- */

/* Decodes form text p[0..len) ('+' is a space, %XX a byte) into d.
 * Returns 0, CF_ETOOBIG past d's cap, or CF_EINVAL for a bad escape, with
 * *bad set to the escape's offset within p. */
static int cf_params_form_decode(const unsigned char *p, size_t len,
                                 struct cf_params_dst *d, size_t *bad)
{
    size_t i = 0;
    int rc = 0;
    while (i < len) {
        unsigned char c = p[i];
        if (c == '%') {
            int hi = len - i >= 3 ? cf_params_hex(p[i + 1]) : -1;
            int lo = len - i >= 3 ? cf_params_hex(p[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                *bad = i;
                rc = CF_EINVAL;
                goto out;
            }
            c = (unsigned char)(hi << 4 | lo);
            i += 3;
        } else {
            if (c == '+') c = ' ';
            i++;
        }
        rc = cf_params_putc(d, c);
        if (rc) goto out;
    }
out:
    return rc;
}

/* See cf_params.h. Borrows s; pairs and strings come from a; out changes
 * only on success. */
int cf_params_parse_form(const char *s, size_t len, struct cf_arena *a,
                         struct cf_params *out, struct cf_err *err)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned char nbuf[CF_PARAMS_MAX_NAME], vbuf[CF_PARAMS_MAX_VALUE];
    char show[CF_PARAMS_SHOW_MAX + 4];
    struct cf_params_acc acc = {a, out, NULL, 0};
    size_t pos = 0, bad = 0;
    int rc = 0;

    if (!a || !out || (!s && len)) {
        rc = cf_err_set(err, CF_EINVAL, "Invalid arguments to the form decoder");
        goto out;
    }
    while (pos < len) {
        const unsigned char *amp = memchr(u + pos, '&', len - pos);
        size_t end = amp ? (size_t)(amp - u) : len;
        const unsigned char *eq = memchr(u + pos, '=', end - pos);
        size_t name_end = eq ? (size_t)(eq - u) : end;
        size_t val_start = eq ? name_end + 1 : end;
        struct cf_params_dst name = {nbuf, 0, sizeof nbuf};
        struct cf_params_dst value = {vbuf, 0, sizeof vbuf};

        if (end == pos) { /* empty segment, as in "a=1&&b=2" */
            pos++;
            continue;
        }
        rc = cf_params_form_decode(u + pos, name_end - pos, &name, &bad);
        if (rc == CF_ETOOBIG) {
            cf_params_show(show, name.p, name.len);
            rc = cf_err_set(err, rc, "Parameter name '%s' is longer than %d bytes",
                            show, CF_PARAMS_MAX_NAME);
            goto out;
        }
        if (rc) {
            rc = cf_err_set(err, rc,
                            "Malformed percent-escape in a parameter name at byte %zu",
                            pos + bad);
            goto out;
        }
        cf_params_show(show, name.p, name.len);
        if (memchr(name.p, '\0', name.len)) {
            rc = cf_err_set(err, CF_EINVAL, "Parameter name '%s' contains a NUL byte",
                            show);
            goto out;
        }
        if (!cf_str_utf8_valid((const char *)name.p, name.len)) {
            rc = cf_err_set(err, CF_EINVAL, "Parameter name '%s' is not valid UTF-8", show);
            goto out;
        }
        rc = cf_params_form_decode(u + val_start, end - val_start, &value, &bad);
        if (rc == CF_ETOOBIG) {
            rc = cf_err_set(err, rc, "Parameter '%s' is longer than %d bytes", show,
                            CF_PARAMS_MAX_VALUE);
            goto out;
        }
        if (rc) {
            rc = cf_err_set(err, rc,
                            "Malformed percent-escape in parameter '%s' at byte %zu",
                            show, val_start + bad);
            goto out;
        }
        if (!cf_str_utf8_valid((const char *)value.p, value.len)) {
            /* as in a JSON body: text that no JSON answer could carry */
            rc = cf_err_set(err, CF_EINVAL, "Parameter '%s' is not valid UTF-8", show);
            goto out;
        }
        rc = cf_params_add(&acc, &name, &value, err);
        if (rc) goto out;
        pos = end + 1; /* may step to len + 1 when there is no '&'; the loop ends */
    }
    cf_params_commit(&acc, out);
out:
    return rc;
}

/* ---- JSON ---- */

static int cf_json_fail(struct cf_json *j, const char *why)
{
    return cf_err_set(j->err, CF_EINVAL, "Malformed JSON body at byte %zu (%s)", j->pos,
                      why);
}

static void cf_json_ws(struct cf_json *j)
{
    while (j->pos < j->len) {
        unsigned char c = j->s[j->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        j->pos++;
    }
}

/* Returns the next byte without consuming it, or -1 at the end. */
static int cf_json_peek(const struct cf_json *j)
{
    return j->pos < j->len ? j->s[j->pos] : -1;
}

/* Appends code point cp (at most U+10FFFF, not a surrogate) as UTF-8. */
static int cf_utf8_put(struct cf_params_dst *d, uint32_t cp)
{
    unsigned char b[4];
    size_t n;
    if (cp < 0x80) {
        b[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (unsigned char)(0xC0 | cp >> 6);
        b[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (unsigned char)(0xE0 | cp >> 12);
        b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        b[0] = (unsigned char)(0xF0 | cp >> 18);
        b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
        b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        b[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return cf_params_put(d, b, n);
}

/* Reads the four hex digits of a \u escape at j->pos into *cp. */
static int cf_json_hex4(struct cf_json *j, uint32_t *cp)
{
    uint32_t v = 0;
    size_t i;
    if (j->len - j->pos < 4) {
        j->pos = j->len;
        return cf_json_fail(j, "truncated \\u escape");
    }
    for (i = 0; i < 4; i++) {
        int h = cf_params_hex(j->s[j->pos]);
        if (h < 0) return cf_json_fail(j, "bad hex digit in \\u escape");
        v = v << 4 | (uint32_t)h;
        j->pos++;
    }
    *cp = v;
    return 0;
}

/* Decodes the JSON string at j->pos (which is '"') into d, leaving j->pos
 * after the closing quote. Returns 0, CF_EINVAL (message set) or
 * CF_ETOOBIG (message left to the caller, which knows what the string is). */
static int cf_json_string(struct cf_json *j, struct cf_params_dst *d)
{
    int rc = 0;
    j->pos++; /* the opening quote */
    for (;;) {
        unsigned char c;
        if (j->pos >= j->len) {
            rc = cf_json_fail(j, "unterminated string");
            goto out;
        }
        c = j->s[j->pos];
        if (c == '"') {
            j->pos++;
            break;
        }
        if (c < 0x20) {
            rc = cf_json_fail(j, "unescaped control character in a string");
            goto out;
        }
        if (c >= 0x80) {
            size_t n = cf_str_utf8_seq(j->s + j->pos, j->len - j->pos);
            if (!n) {
                rc = cf_json_fail(j, "invalid UTF-8 in a string");
                goto out;
            }
            rc = cf_params_put(d, j->s + j->pos, n);
            if (rc) goto out;
            j->pos += n;
            continue;
        }
        if (c != '\\') {
            rc = cf_params_putc(d, c);
            if (rc) goto out;
            j->pos++;
            continue;
        }
        /* an escape */
        j->pos++;
        if (j->pos >= j->len) {
            rc = cf_json_fail(j, "unterminated string");
            goto out;
        }
        c = j->s[j->pos];
        switch (c) {
        case '"':
        case '\\':
        case '/':
            break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'u': {
            uint32_t cp, lo;
            size_t at = j->pos - 1; /* the backslash, for messages */
            j->pos++;
            rc = cf_json_hex4(j, &cp);
            if (rc) goto out;
            if (cp >= 0xDC00 && cp <= 0xDFFF) {
                j->pos = at;
                rc = cf_json_fail(j, "lone low surrogate in \\u escape");
                goto out;
            }
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (j->len - j->pos < 2 || j->s[j->pos] != '\\' ||
                    j->s[j->pos + 1] != 'u') {
                    j->pos = at;
                    rc = cf_json_fail(j, "lone high surrogate in \\u escape");
                    goto out;
                }
                j->pos += 2;
                rc = cf_json_hex4(j, &lo);
                if (rc) goto out;
                if (lo < 0xDC00 || lo > 0xDFFF) {
                    j->pos = at;
                    rc = cf_json_fail(j, "lone high surrogate in \\u escape");
                    goto out;
                }
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            rc = cf_utf8_put(d, cp);
            if (rc) goto out;
            continue; /* j->pos is already past the escape */
        }
        default:
            rc = cf_json_fail(j, "unknown escape in a string");
            goto out;
        }
        rc = cf_params_putc(d, c);
        if (rc) goto out;
        j->pos++;
    }
out:
    return rc;
}

/* Checks the JSON number at j->pos and copies it into d: its source text,
 * or, for a whole number written with a fraction or an exponent (30.0,
 * 3e1), its digits, so that an integer parameter takes it as JSON allows.
 * Grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int cf_json_number(struct cf_json *j, struct cf_params_dst *d)
{
    size_t start = j->pos;
    bool plain = true;
    if (cf_json_peek(j) == '-') j->pos++;
    if (cf_json_peek(j) == '0') {
        j->pos++;
    } else if (cf_json_peek(j) >= '1' && cf_json_peek(j) <= '9') {
        while (cf_json_peek(j) >= '0' && cf_json_peek(j) <= '9') j->pos++;
    } else {
        return cf_json_fail(j, "bad number");
    }
    if (cf_json_peek(j) == '.') {
        j->pos++;
        plain = false;
        if (!(cf_json_peek(j) >= '0' && cf_json_peek(j) <= '9'))
            return cf_json_fail(j, "bad number: no digit after '.'");
        while (cf_json_peek(j) >= '0' && cf_json_peek(j) <= '9') j->pos++;
    }
    if (cf_json_peek(j) == 'e' || cf_json_peek(j) == 'E') {
        j->pos++;
        plain = false;
        if (cf_json_peek(j) == '+' || cf_json_peek(j) == '-') j->pos++;
        if (!(cf_json_peek(j) >= '0' && cf_json_peek(j) <= '9'))
            return cf_json_fail(j, "bad number: no digit in exponent");
        while (cf_json_peek(j) >= '0' && cf_json_peek(j) <= '9') j->pos++;
    }
    if (!plain && j->pos - start < 64) {
        char text[64], *end;
        double v;
        memcpy(text, j->s + start, j->pos - start);
        text[j->pos - start] = '\0';
        v = strtod(text, &end);
        /* whole and exact in a double (|v| < 2^53, so that nothing was rounded
         * onto a whole number) */
        if (*end == '\0' && v > -9007199254740992.0 && v < 9007199254740992.0 &&
            v == (double)(int64_t)v) {
            char digits[CF_STR_I64_LEN];
            size_t n = cf_str_i64(digits, (int64_t)v);
            return cf_params_put(d, (const unsigned char *)digits, n);
        }
    }
    return cf_params_put(d, j->s + start, j->pos - start);
}

/* Matches the literal word lit at j->pos and copies text (or nothing) to d. */
static int cf_json_word(struct cf_json *j, const char *lit, struct cf_params_dst *d,
                        const char *text)
{
    size_t n = strlen(lit);
    if (j->len - j->pos < n || memcmp(j->s + j->pos, lit, n) != 0)
        return cf_json_fail(j, "unexpected character");
    j->pos += n;
    return text ? cf_params_put(d, (const unsigned char *)text, strlen(text)) : 0;
}

/* Decodes the scalar at j->pos into d. Returns 0 for a value, 1 for null
 * (nothing to add), or a negative CF_E* with the message set; show is the
 * member's name for messages. */
static int cf_json_scalar(struct cf_json *j, struct cf_params_dst *d, const char *show)
{
    int c = cf_json_peek(j), rc;
    if (c == '"') {
        rc = cf_json_string(j, d);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        rc = cf_json_number(j, d);
    } else if (c == 't') {
        rc = cf_json_word(j, "true", d, "true");
    } else if (c == 'f') {
        rc = cf_json_word(j, "false", d, "false");
    } else if (c == 'n') {
        rc = cf_json_word(j, "null", d, NULL);
        if (!rc) rc = 1;
    } else if (c == '{' || c == '[') {
        rc = cf_err_set(j->err, CF_EINVAL,
                        "Parameter '%s' holds a nested object or array, which is not "
                        "supported",
                        show);
    } else if (c < 0) {
        rc = cf_json_fail(j, "unexpected end, expected a value");
    } else {
        rc = cf_json_fail(j, "expected a value");
    }
    if (rc == CF_ETOOBIG)
        rc = cf_err_set(j->err, rc, "Parameter '%s' is longer than %d bytes", show,
                        CF_PARAMS_MAX_VALUE);
    return rc;
}

/* Decodes one scalar member value or array element and appends the pair. */
static int cf_json_value(struct cf_json *j, struct cf_params_acc *acc,
                         const struct cf_params_dst *name, const char *show)
{
    unsigned char vbuf[CF_PARAMS_MAX_VALUE];
    struct cf_params_dst value = {vbuf, 0, sizeof vbuf};
    int rc = cf_json_scalar(j, &value, show);
    if (rc == 0) rc = cf_params_add(acc, name, &value, j->err);
    return rc > 0 ? 0 : rc;
}

/* See cf_params.h. Borrows s; pairs and strings come from a; out changes
 * only on success. */
int cf_params_parse_json(const char *s, size_t len, struct cf_arena *a,
                         struct cf_params *out, struct cf_err *err)
{
    struct cf_json j = {(const unsigned char *)s, len, 0, err};
    struct cf_params_acc acc = {a, out, NULL, 0};
    unsigned char nbuf[CF_PARAMS_MAX_NAME];
    char show[CF_PARAMS_SHOW_MAX + 4];
    int rc = 0;

    if (!a || !out || (!s && len)) {
        rc = cf_err_set(err, CF_EINVAL, "Invalid arguments to the JSON decoder");
        goto out;
    }
    cf_json_ws(&j);
    if (j.pos == j.len) goto end; /* no body: no parameters (an SDK's DELETE) */
    if (cf_json_peek(&j) != '{') {
        rc = cf_json_fail(&j, "expected a JSON object");
        goto out;
    }
    j.pos++;
    cf_json_ws(&j);
    if (cf_json_peek(&j) == '}') {
        j.pos++;
        goto end;
    }
    for (;;) {
        struct cf_params_dst name = {nbuf, 0, sizeof nbuf};
        size_t name_at;
        int c;

        cf_json_ws(&j);
        if (cf_json_peek(&j) != '"') {
            rc = cf_json_fail(&j, "expected a member name");
            goto out;
        }
        name_at = j.pos;
        rc = cf_json_string(&j, &name);
        if (rc == CF_ETOOBIG) {
            cf_params_show(show, name.p, name.len);
            rc = cf_err_set(err, rc, "Parameter name '%s' is longer than %d bytes", show,
                            CF_PARAMS_MAX_NAME);
        }
        if (rc) goto out;
        cf_params_show(show, name.p, name.len);
        if (memchr(name.p, '\0', name.len)) {
            rc = cf_err_set(err, CF_EINVAL,
                            "Parameter name '%s' at byte %zu contains a NUL character",
                            show, name_at);
            goto out;
        }
        cf_json_ws(&j);
        if (cf_json_peek(&j) != ':') {
            rc = cf_json_fail(&j, "expected ':' after a member name");
            goto out;
        }
        j.pos++;
        cf_json_ws(&j);
        if (cf_json_peek(&j) == '[') {
            j.pos++;
            cf_json_ws(&j);
            if (cf_json_peek(&j) == ']') {
                j.pos++;
            } else {
                for (;;) {
                    cf_json_ws(&j);
                    rc = cf_json_value(&j, &acc, &name, show);
                    if (rc) goto out;
                    cf_json_ws(&j);
                    c = cf_json_peek(&j);
                    if (c == ']') {
                        j.pos++;
                        break;
                    }
                    if (c != ',') {
                        rc = cf_json_fail(&j, "expected ',' or ']' in an array");
                        goto out;
                    }
                    j.pos++;
                }
            }
        } else {
            rc = cf_json_value(&j, &acc, &name, show);
            if (rc) goto out;
        }
        cf_json_ws(&j);
        c = cf_json_peek(&j);
        if (c == '}') {
            j.pos++;
            break;
        }
        if (c != ',') {
            rc = cf_json_fail(&j, "expected ',' or '}' after a member");
            goto out;
        }
        j.pos++;
    }
end:
    cf_json_ws(&j);
    if (j.pos != j.len) {
        rc = cf_json_fail(&j, "trailing data after the object");
        goto out;
    }
    cf_params_commit(&acc, out);
out:
    return rc;
}

/* ---- lookup ---- */

/* See cf_params.h. NULL p or name gives NULL; the result borrows p. */
const char *cf_params_get(const struct cf_params *p, const char *name)
{
    size_t i;
    if (!p || !name) return NULL;
    for (i = p->n; i > 0; i--)
        if (strcmp(p->v[i - 1].name, name) == 0) return p->v[i - 1].value;
    return NULL;
}

/* See cf_params.h. NULL p or name gives 0. */
size_t cf_params_count(const struct cf_params *p, const char *name)
{
    size_t i, n = 0;
    if (!p || !name) return 0;
    for (i = 0; i < p->n; i++)
        if (strcmp(p->v[i].name, name) == 0) n++;
    return n;
}
