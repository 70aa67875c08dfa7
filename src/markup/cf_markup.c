/* SPDX-License-Identifier: MIT
 *
 * cf_markup.c - the cXML parser (contract in cf_markup.h).
 *
 * One parse is three steps. (1) Guard: the size cap is checked before
 * libxml2 sees a byte. (2) Parse: a fresh libxml2 parser context per call,
 * options XML_PARSE_NONET | XML_PARSE_NOBLANKS only (never NOENT, DTDLOAD,
 * DTDATTR or HUGE). Four SAX hooks on that context bound what libxml2 does:
 * internalSubset fires as soon as "<!DOCTYPE name ..." has been read, before
 * the '[' part, so stopping the parser there means no entity or DTD
 * declaration is ever parsed or loaded; startElementNs counts depth and
 * elements and stops the parser (without building the node) past a cap;
 * resolveEntity and externalSubset refuse to load anything, as a second
 * wall. Errors go to a per-context structured handler that keeps the first
 * message; on libxml2 < 2.13, errors raised without a context would fall back
 * to the thread's global handlers, so those are swapped for no-ops around the
 * parse and restored after (they are thread-local in libxml2). (3) Walk: the
 * children of <Response> are read in order and copied into the caller's
 * arena, then the libxml2 document is freed.
 *
 * Caveats: element names are matched exactly and without regard to
 * namespaces (TwiML is case-sensitive); text directly inside <Response> is
 * ignored; <Say> speaks all text below it (so SSML children such as
 * <prosody> contribute their text). URLs have spaces, control characters and
 * non-ASCII bytes percent-encoded (an IRI host is therefore not usable).
 */
#include "cf_markup.h"

#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <libxml/globals.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

#include "../base/cf_buf.h"
#include "../base/cf_str.h"

#define MARKUP_DEF_MAX_BYTES ((size_t)1 << 20) /* part 0: 1 MiB of markup */
#define MARKUP_DEF_MAX_DEPTH 16
#define MARKUP_DEF_MAX_ITEMS 100
#define MARKUP_DEF_MAX_TEXT 4096
#define MARKUP_MAX_LOOP 1000
#define MARKUP_MAX_PAUSE 600

/* libxml2 2.12 made the structured error argument const. */
#if LIBXML_VERSION >= 21200
#define MARKUP_XMLERR_CONST const
#else
#define MARKUP_XMLERR_CONST
#endif

/* Why the SAX hooks stopped the parser. */
enum markup_stop { MARKUP_RUNNING, MARKUP_STOP_DOCTYPE, MARKUP_STOP_DEPTH, MARKUP_STOP_ELEMENTS };

/* Per-parse state, reached from the libxml2 context through ctxt->_private. */
struct markup_sax {
    const struct cf_markup_limits *lim; /* borrowed */
    startElementNsSAX2Func start_ns;    /* libxml2's tree builder, wrapped */
    endElementNsSAX2Func end_ns;
    int depth;                          /* open elements, root = 1 */
    size_t elements;                    /* elements seen, root included */
    enum markup_stop stop;
    int err_line;                       /* line of the first error */
    char err_msg[160];                  /* first libxml2 error, "" if none */
};

/* State of the walk over <Response>'s children. */
struct markup_walk {
    const char *base_url;               /* borrowed, may be NULL */
    const struct cf_markup_limits *lim; /* borrowed */
    struct cf_arena *a;                 /* borrowed; receives the results */
    struct cf_playlist *pl;             /* the playlist being built */
    struct cf_err *err;                 /* may be NULL */
    struct cf_buf text;                 /* owned scratch for element text */
};

/* The parts of an absolute http(s) URL; each is a view into the URL. */
struct markup_url {
    const char *scheme, *auth, *path, *query;
    size_t scheme_len, auth_len, path_len, query_len; /* query includes '?' */
};

void cf_markup_limits_default(struct cf_markup_limits *lim)
{
    lim->max_bytes = MARKUP_DEF_MAX_BYTES;
    lim->max_depth = MARKUP_DEF_MAX_DEPTH;
    lim->max_items = MARKUP_DEF_MAX_ITEMS;
    lim->max_text = MARKUP_DEF_MAX_TEXT;
}

void cf_markup_init(void)
{
    xmlInitParser();
}

void cf_markup_cleanup(void)
{
    xmlCleanupParser();
}

/* ---- small helpers ---- */

static bool markup_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool markup_is_alpha(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Parses z (surrounding white space allowed) as a decimal integer in
 * min..max; returns false for anything else (sign, junk, out of range). */
static bool markup_parse_int(const char *z, int min, int max, int *out)
{
    long v = 0;
    size_t digits = 0;
    while (markup_is_space((unsigned char)*z)) z++;
    for (; *z >= '0' && *z <= '9'; z++, digits++) {
        v = v * 10 + (*z - '0');
        if (v > max) return false;
    }
    while (markup_is_space((unsigned char)*z)) z++;
    if (!digits || *z || v < min) return false;
    *out = (int)v;
    return true;
}

/* Returns the value of n's attribute name (no namespace), "" for an
 * attribute whose value is not a single text node, or NULL when absent.
 * Without a DTD, libxml2 stores an attribute value as one text node (or
 * none when empty). Borrows from the libxml2 tree. */
static const char *markup_attr(const xmlNode *n, const char *name)
{
    for (const xmlAttr *at = n->properties; at; at = at->next) {
        if (at->ns || strcmp((const char *)at->name, name) != 0) continue;
        if (at->children && at->children->type == XML_TEXT_NODE && !at->children->next &&
            at->children->content)
            return (const char *)at->children->content;
        return "";
    }
    return NULL;
}

/* loop attribute: 0..1000 (0 = forever); absent or invalid gives 1. */
static int markup_loop(const xmlNode *n)
{
    const char *z = markup_attr(n, "loop");
    int v;
    if (z && markup_parse_int(z, 0, MARKUP_MAX_LOOP, &v)) return v;
    return 1;
}

/* Collects the text below n (text and CDATA of every descendant, in
 * document order) into w->text, trims ASCII white space and returns the
 * trimmed, NUL-terminated view in *z (valid until the next call) and its
 * length in *len. Returns 0 or CF_ETOOBIG (more than max_bytes, which
 * cannot happen for text of a capped document unless it was transcoded). */
static int markup_text(struct markup_walk *w, const xmlNode *n, const char **z, size_t *len)
{
    const xmlNode *c = n->children;
    char *s;
    size_t l;

    cf_buf_reset(&w->text);
    /* Iterative pre-order walk of n's subtree; depth is already capped. */
    while (c) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
            if (cf_buf_puts(&w->text, (const char *)c->content) != 0) return CF_ETOOBIG;
        }
        if (c->type == XML_ELEMENT_NODE && c->children) {
            c = c->children;
            continue;
        }
        while (c != n && !c->next) c = c->parent;
        if (c == n) break;
        c = c->next;
    }
    if (!w->text.data) {
        *z = "";
        *len = 0;
        return 0;
    }
    s = w->text.data;
    l = w->text.len;
    while (l && markup_is_space((unsigned char)s[l - 1])) l--;
    s[l] = '\0';
    while (markup_is_space((unsigned char)*s)) s++, l--;
    *z = s;
    *len = l;
    return 0;
}

/* ---- URL resolution (RFC 3986 §5.2, http and https only) ---- */

/* Returns the length of z's scheme when z starts with "scheme:", else 0. */
static size_t markup_scheme_len(const char *z)
{
    size_t i;
    if (!markup_is_alpha((unsigned char)z[0])) return 0;
    for (i = 1; markup_is_alpha((unsigned char)z[i]) || (z[i] >= '0' && z[i] <= '9') ||
                z[i] == '+' || z[i] == '-' || z[i] == '.';
         i++) {
    }
    return z[i] == ':' ? i : 0;
}

/* Splits z into u when z is an absolute http(s) URL with a non-empty
 * authority ("http://host[:port]/..."); returns false otherwise. */
static bool markup_url_split(const char *z, struct markup_url *u)
{
    size_t sl = markup_scheme_len(z);
    const char *p;

    if (!((sl == 4 && strncasecmp(z, "http", 4) == 0) ||
          (sl == 5 && strncasecmp(z, "https", 5) == 0)))
        return false;
    if (z[sl + 1] != '/' || z[sl + 2] != '/') return false;
    u->scheme = z;
    u->scheme_len = sl;
    p = z + sl + 3;
    u->auth = p;
    u->auth_len = strcspn(p, "/?#");
    if (!u->auth_len) return false;
    p += u->auth_len;
    u->path = p;
    u->path_len = strcspn(p, "?#");
    p += u->path_len;
    u->query = p;
    u->query_len = *p == '?' ? strcspn(p, "#") : 0;
    return true;
}

/* Removes "." and ".." segments from the path s[0..len) in place (RFC 3986
 * §5.2.4) and returns the new length. The write index never passes the read
 * index, which makes the in-place rewrite safe. */
static size_t markup_remove_dots(char *s, size_t len)
{
    size_t i = 0, o = 0;
    while (i < len) {
        const char *in = s + i;
        size_t rem = len - i;
        bool pop = false;
        if (rem >= 3 && memcmp(in, "../", 3) == 0) {
            i += 3;
        } else if (rem >= 2 && memcmp(in, "./", 2) == 0) {
            i += 2;
        } else if (rem >= 3 && memcmp(in, "/./", 3) == 0) {
            i += 2; /* "/./x" -> "/x" */
        } else if (rem == 2 && memcmp(in, "/.", 2) == 0) {
            i += 1; /* "/." -> "/" */
            s[i] = '/';
        } else if (rem >= 4 && memcmp(in, "/../", 4) == 0) {
            i += 3; /* "/../x" -> "/x", dropping the last output segment */
            pop = true;
        } else if (rem == 3 && memcmp(in, "/..", 3) == 0) {
            i += 2; /* "/.." -> "/", dropping the last output segment */
            s[i] = '/';
            pop = true;
        } else if ((rem == 1 && in[0] == '.') || (rem == 2 && memcmp(in, "..", 2) == 0)) {
            i += rem;
        } else {
            size_t k = i + (s[i] == '/' ? 1 : 0);
            while (k < len && s[k] != '/') k++;
            memmove(s + o, s + i, k - i);
            o += k - i;
            i = k;
        }
        if (pop) {
            while (o > 0 && s[o - 1] != '/') o--;
            if (o > 0) o--;
        }
    }
    return o;
}

/* Appends p[0..len) to b, percent-encoding space, control characters and
 * non-ASCII bytes (so the result is a valid URI and cannot split a request
 * line). Returns 0 or CF_ETOOBIG. */
static int markup_put_url(struct cf_buf *b, const char *p, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        int rc;
        if (c <= 0x20 || c >= 0x7f) {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = cf_buf_append(b, e, sizeof e);
        } else {
            rc = cf_buf_putc(b, (char)c);
        }
        if (rc) return rc;
    }
    return 0;
}

/* Appends to b the base's scheme://authority followed by the path-relative
 * reference ref ("", "?q", "#f", "/abs", "rel/../x") merged with the base
 * path and cleaned of dot segments (RFC 3986 §5.2.2). m is scratch. Returns
 * false when b or m would pass its cap (every cf_buf call here can only
 * fail with CF_ETOOBIG). */
static bool markup_resolve_path(struct cf_buf *b, struct cf_buf *m, const struct markup_url *bu,
                                const char *ref)
{
    size_t rpath_len = strcspn(ref, "?#");
    const char *rest = ref + rpath_len;
    const char *slash;
    bool fits = cf_buf_append(b, bu->scheme, bu->scheme_len) == 0 && cf_buf_puts(b, "://") == 0 &&
                cf_buf_append(b, bu->auth, bu->auth_len) == 0;

    if (!fits) return false;
    if (rpath_len == 0) {
        /* The base document itself, with the reference's query if it has one. */
        if (bu->path_len) fits = cf_buf_append(b, bu->path, bu->path_len) == 0;
        else fits = cf_buf_putc(b, '/') == 0;
        if (fits && *rest != '?') fits = cf_buf_append(b, bu->query, bu->query_len) == 0;
        return fits && markup_put_url(b, rest, strlen(rest)) == 0;
    }
    if (ref[0] != '/') {
        /* Merge: the base path up to and including its last '/'. */
        slash = bu->path_len ? memrchr(bu->path, '/', bu->path_len) : NULL;
        if (slash) fits = cf_buf_append(m, bu->path, (size_t)(slash - bu->path) + 1) == 0;
        else fits = cf_buf_putc(m, '/') == 0;
    }
    if (!fits || cf_buf_append(m, ref, rpath_len) != 0) return false;
    m->len = markup_remove_dots(m->data, m->len);
    m->data[m->len] = '\0';
    return markup_put_url(b, m->data, m->len) == 0 && markup_put_url(b, rest, strlen(rest)) == 0;
}

/* Resolves ref (trimmed, NUL-terminated) against w->base_url into a new
 * arena string in *out. what names the verb for messages. Returns 0,
 * CF_EINVAL (not http(s), or relative without a usable base) or CF_ETOOBIG
 * (result over max_text). */
static int markup_resolve(struct markup_walk *w, const char *ref, const char *what,
                          const char **out)
{
    struct markup_url bu, ru;
    struct cf_buf b, m;
    bool fits;
    int rc = 0;

    cf_buf_init(&b, w->lim->max_text);
    cf_buf_init(&m, w->lim->max_text);
    if (markup_scheme_len(ref)) {
        if (!markup_url_split(ref, &ru)) {
            rc = cf_err_set(w->err, CF_EINVAL, "the %s URL is not an absolute http or https URL",
                            what);
            goto out;
        }
        fits = markup_put_url(&b, ref, strlen(ref)) == 0;
    } else if (!w->base_url || !markup_url_split(w->base_url, &bu)) {
        rc = cf_err_set(w->err, CF_EINVAL,
                        "the %s URL is relative and there is no http or https base URL", what);
        goto out;
    } else if (ref[0] == '/' && ref[1] == '/') {
        /* Network-path reference: only the scheme comes from the base. */
        fits = cf_buf_append(&b, bu.scheme, bu.scheme_len) == 0 && cf_buf_putc(&b, ':') == 0 &&
               markup_put_url(&b, ref, strlen(ref)) == 0;
        if (fits && !markup_url_split(b.data, &ru)) {
            rc = cf_err_set(w->err, CF_EINVAL, "the %s URL has no host", what);
            goto out;
        }
    } else {
        fits = markup_resolve_path(&b, &m, &bu, ref);
    }
    if (!fits) {
        rc = cf_err_set(w->err, CF_ETOOBIG, "the %s URL is longer than %zu bytes", what,
                        w->lim->max_text);
        goto out;
    }
    *out = cf_arena_strndup(w->a, b.data, b.len);
out:
    cf_buf_cleanup(&m);
    cf_buf_cleanup(&b);
    return rc;
}

/* ---- the verbs ---- */

/* Reads the URL text of n (<Play> or <Redirect>) and resolves it. An empty
 * text is allowed only when empty_ok (then it means the base document). */
static int markup_url(struct markup_walk *w, const xmlNode *n, const char *what, bool empty_ok,
                      const char **out)
{
    const char *z;
    size_t len;
    int rc = markup_text(w, n, &z, &len);
    if (rc || len > w->lim->max_text)
        return cf_err_set(w->err, CF_ETOOBIG, "the %s URL is longer than %zu bytes", what,
                          w->lim->max_text);
    if (!len && !empty_ok) return cf_err_set(w->err, CF_EINVAL, "a %s has no URL", what);
    return markup_resolve(w, z, what, out);
}

static struct cf_play_item *markup_add(struct markup_walk *w, enum cf_play_kind kind)
{
    struct cf_play_item *it = &w->pl->items[w->pl->n++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->loop = 1;
    return it;
}

static int markup_play(struct markup_walk *w, const xmlNode *n)
{
    const char *url = NULL;
    int rc;
    if (markup_attr(n, "digits")) { /* DTMF playback: not for a conference */
        w->pl->skipped++;
        return 0;
    }
    rc = markup_url(w, n, "<Play>", false, &url);
    if (rc) return rc;
    struct cf_play_item *it = markup_add(w, CF_PLAY_AUDIO);
    it->text = url;
    it->loop = markup_loop(n);
    return 0;
}

static int markup_say(struct markup_walk *w, const xmlNode *n)
{
    const char *voice = markup_attr(n, "voice"), *lang = markup_attr(n, "language");
    const char *z;
    size_t len;
    if (markup_text(w, n, &z, &len) != 0 || len > w->lim->max_text)
        return cf_err_set(w->err, CF_ETOOBIG, "a <Say> text is longer than %zu bytes",
                          w->lim->max_text);
    if (!len) return 0; /* nothing to say: not an error, not a skipped verb */
    struct cf_play_item *it = markup_add(w, CF_PLAY_SAY);
    it->text = cf_arena_strndup(w->a, z, len);
    /* A value that does not fit is no voice we know: use the default. */
    if (voice) (void)cf_str_copy(it->voice, sizeof it->voice, voice);
    if (lang) (void)cf_str_copy(it->language, sizeof it->language, lang);
    it->loop = markup_loop(n);
    return 0;
}

static void markup_pause(struct markup_walk *w, const xmlNode *n)
{
    const char *z = markup_attr(n, "length");
    int s = 1;
    if (z && !markup_parse_int(z, 1, MARKUP_MAX_PAUSE, &s)) {
        w->pl->skipped++;
        return;
    }
    markup_add(w, CF_PLAY_PAUSE)->pause_s = s;
}

static int markup_redirect(struct markup_walk *w, const xmlNode *n)
{
    const char *m = markup_attr(n, "method"), *url = NULL;
    int rc = markup_url(w, n, "<Redirect>", true, &url);
    if (rc) return rc;
    w->pl->redirect_url = url;
    /* An unknown method falls back to the default rather than failing. */
    (void)cf_str_copy(w->pl->redirect_method, sizeof w->pl->redirect_method,
                      m && cf_str_ieq(m, "GET") ? "GET" : "POST");
    return 0;
}

static bool markup_is(const xmlNode *n, const char *name)
{
    return strcmp((const char *)n->name, name) == 0;
}

/* Builds the playlist from root's children; see cf_markup_parse. */
static int markup_walk(struct markup_walk *w, const xmlNode *root)
{
    size_t verbs = 0;
    const xmlNode *c;
    int rc = 0;

    if (!root || root->type != XML_ELEMENT_NODE || !markup_is(root, "Response"))
        return cf_err_set(w->err, CF_EINVAL, "the root element is <%.40s>, not <Response>",
                          root ? (const char *)root->name : "");
    /* Size the item array: the verbs up to and including a <Redirect>. The
     * SAX hook has already capped elements; this check is a second wall. */
    for (c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        verbs++;
        if (markup_is(c, "Redirect")) break;
    }
    if (verbs > w->lim->max_items)
        return cf_err_set(w->err, CF_ETOOBIG, "the markup has more than %zu verbs",
                          w->lim->max_items);
    if (verbs) w->pl->items = cf_arena_alloc(w->a, verbs * sizeof *w->pl->items);

    for (c = root->children; c && !rc; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue; /* text, comments, PIs */
        if (markup_is(c, "Play")) {
            rc = markup_play(w, c);
        } else if (markup_is(c, "Say")) {
            rc = markup_say(w, c);
        } else if (markup_is(c, "Pause")) {
            markup_pause(w, c);
        } else if (markup_is(c, "Redirect")) {
            rc = markup_redirect(w, c);
            break; /* the document ends here */
        } else {
            w->pl->skipped++; /* Dial, Gather, Hangup, Record, unknown: warning 13238 */
        }
    }
    if (!w->pl->n) w->pl->items = NULL;
    return rc;
}

/* ---- libxml2 hooks ---- */

static void markup_on_error(void *data, MARKUP_XMLERR_CONST xmlError *e)
{
    xmlParserCtxtPtr ctxt = data;
    struct markup_sax *st = ctxt ? ctxt->_private : NULL;
    size_t n;
    if (!st || !e || e->level < XML_ERR_ERROR || st->err_msg[0]) return;
    st->err_line = e->line;
    (void)cf_str_copy(st->err_msg, sizeof st->err_msg, "");
    if (e->message) {
        n = strlen(e->message);
        if (n >= sizeof st->err_msg) n = sizeof st->err_msg - 1;
        memcpy(st->err_msg, e->message, n);
        while (n && markup_is_space((unsigned char)st->err_msg[n - 1])) n--;
        st->err_msg[n] = '\0';
    }
    if (!st->err_msg[0]) (void)cf_str_copy(st->err_msg, sizeof st->err_msg, "parse error");
}

static void markup_sax_start(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                             const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                             int nb_attributes, int nb_defaulted, const xmlChar **attributes)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct markup_sax *st = ctxt->_private;
    st->depth++;
    st->elements++;
    if (st->depth > st->lim->max_depth) {
        st->stop = MARKUP_STOP_DEPTH;
    } else if (st->elements - 1 > st->lim->max_items) {
        st->stop = MARKUP_STOP_ELEMENTS;
    }
    if (st->stop != MARKUP_RUNNING) {
        xmlStopParser(ctxt);
        return;
    }
    if (st->start_ns)
        st->start_ns(ctx, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes,
                     nb_defaulted, attributes);
}

static void markup_sax_end(void *ctx, const xmlChar *localname, const xmlChar *prefix,
                           const xmlChar *uri)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct markup_sax *st = ctxt->_private;
    st->depth--;
    if (st->end_ns) st->end_ns(ctx, localname, prefix, uri);
}

/* "<!DOCTYPE" seen: stop before its internal subset is read. */
static void markup_sax_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                               const xmlChar *system_id)
{
    xmlParserCtxtPtr ctxt = ctx;
    struct markup_sax *st = ctxt->_private;
    (void)name, (void)external_id, (void)system_id;
    st->stop = MARKUP_STOP_DOCTYPE;
    xmlStopParser(ctxt);
}

static void markup_sax_no_subset(void *ctx, const xmlChar *name, const xmlChar *external_id,
                                 const xmlChar *system_id)
{
    (void)ctx, (void)name, (void)external_id, (void)system_id;
}

static xmlParserInputPtr markup_sax_no_entity(void *ctx, const xmlChar *public_id,
                                              const xmlChar *system_id)
{
    (void)ctx, (void)public_id, (void)system_id;
    return NULL;
}

#if LIBXML_VERSION < 21300
/* The thread's global handlers, swapped for no-ops during one parse. */
struct markup_quiet {
    xmlStructuredErrorFunc serror;
    void *sctx;
    xmlGenericErrorFunc gerror;
    void *gctx;
};

static void markup_quiet_structured(void *ctx, MARKUP_XMLERR_CONST xmlError *e)
{
    (void)ctx, (void)e;
}

static void markup_quiet_generic(void *ctx, const char *msg, ...)
{
    (void)ctx, (void)msg;
}

static void markup_quiet_begin(struct markup_quiet *q)
{
    q->serror = xmlStructuredError;
    q->sctx = xmlStructuredErrorContext;
    q->gerror = xmlGenericError;
    q->gctx = xmlGenericErrorContext;
    xmlSetStructuredErrorFunc(NULL, markup_quiet_structured);
    xmlSetGenericErrorFunc(NULL, markup_quiet_generic);
}

static void markup_quiet_end(const struct markup_quiet *q)
{
    xmlSetStructuredErrorFunc(q->sctx, q->serror);
    xmlSetGenericErrorFunc(q->gctx, q->gerror);
}
#endif

/* ---- entry points ---- */

int cf_markup_parse(const char *buf, size_t len, const char *base_url,
                    const struct cf_markup_limits *lim, struct cf_arena *a,
                    struct cf_playlist *out, struct cf_err *err)
{
    struct cf_markup_limits deflim;
    struct markup_sax st;
    struct markup_walk w;
    struct cf_playlist pl;
    xmlParserCtxtPtr ctxt = NULL;
    xmlDocPtr doc = NULL;
    int rc;

    if (!lim) {
        cf_markup_limits_default(&deflim);
        lim = &deflim;
    }
    if (len > lim->max_bytes || len > (size_t)INT_MAX)
        return cf_err_set(err, CF_ETOOBIG, "the markup is %zu bytes, more than the limit of %zu",
                          len, lim->max_bytes);
    if (!buf || !len) return cf_err_set(err, CF_EINVAL, "the markup is empty");

    ctxt = xmlNewParserCtxt();
    if (!ctxt || !ctxt->sax) {
        rc = cf_err_set(err, CF_ENOMEM, "libxml2 could not allocate a parser");
        goto out;
    }
    memset(&st, 0, sizeof st);
    st.lim = lim;
    st.start_ns = ctxt->sax->startElementNs;
    st.end_ns = ctxt->sax->endElementNs;
    ctxt->_private = &st;
    ctxt->sax->startElementNs = markup_sax_start;
    ctxt->sax->endElementNs = markup_sax_end;
    ctxt->sax->internalSubset = markup_sax_doctype;
    ctxt->sax->externalSubset = markup_sax_no_subset;
    ctxt->sax->resolveEntity = markup_sax_no_entity;
#if LIBXML_VERSION >= 21300
    xmlCtxtSetErrorHandler(ctxt, markup_on_error, ctxt);
    doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
#else
    {
        struct markup_quiet q;
        ctxt->sax->serror = markup_on_error; /* called with ctxt->userData == ctxt */
        markup_quiet_begin(&q);
        doc = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOBLANKS);
        markup_quiet_end(&q);
    }
#endif
    /* Our own stop reasons come first: a halted parse may still return a
     * (partial) document. */
    switch (st.stop) {
    case MARKUP_STOP_DOCTYPE:
        rc = cf_err_set(err, CF_EINVAL, "DOCTYPE is not allowed in markup");
        goto out;
    case MARKUP_STOP_DEPTH:
        rc = cf_err_set(err, CF_ETOOBIG, "the markup nests elements deeper than %d",
                        lim->max_depth);
        goto out;
    case MARKUP_STOP_ELEMENTS:
        rc = cf_err_set(err, CF_ETOOBIG, "the markup has more than %zu elements below <Response>",
                        lim->max_items);
        goto out;
    case MARKUP_RUNNING:
        break;
    }
    if (!doc) {
        if (st.err_msg[0])
            rc = cf_err_set(err, CF_EINVAL, "the markup is not well-formed XML (line %d: %s)",
                            st.err_line, st.err_msg);
        else
            rc = cf_err_set(err, CF_EINVAL, "the markup is not well-formed XML");
        goto out;
    }
    if (doc->intSubset || doc->extSubset) { /* unreachable past the SAX hook; kept as a wall */
        rc = cf_err_set(err, CF_EINVAL, "DOCTYPE is not allowed in markup");
        goto out;
    }

    memset(&pl, 0, sizeof pl);
    (void)cf_str_copy(pl.redirect_method, sizeof pl.redirect_method, "POST");
    memset(&w, 0, sizeof w);
    w.base_url = base_url;
    w.lim = lim;
    w.a = a;
    w.pl = &pl;
    w.err = err;
    cf_buf_init(&w.text, lim->max_bytes);
    rc = markup_walk(&w, xmlDocGetRootElement(doc));
    cf_buf_cleanup(&w.text);
    if (!rc) *out = pl;
out:
    if (doc) xmlFreeDoc(doc);
    if (ctxt) xmlFreeParserCtxt(ctxt);
    return rc;
}

int cf_markup_say_seconds(const char *text)
{
    size_t words = 0, s;
    bool in_word = false;
    for (const char *p = text ? text : ""; *p; p++) {
        bool sp = markup_is_space((unsigned char)*p);
        if (!sp && !in_word) words++;
        in_word = !sp;
    }
    /* ceil(words * 0.4), written so that it cannot overflow. */
    s = words / 5 * 2 + (words % 5 * 2 + 4) / 5;
    if (s < 1) s = 1;
    return s > (size_t)INT_MAX ? INT_MAX : (int)s;
}
