/* SPDX-License-Identifier: MIT
 *
 * main.c - confab's command line: `serve`, `project …`, `migrate`; the
 * wiring of config, store, engine, API and listener; and signals.
 *
 * Signals are blocked in every thread and taken synchronously by the main
 * thread with sigwait: SIGTERM/SIGINT stop accepting, let requests in flight
 * finish (shutdown_grace), then tear down in reverse order of start.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "api/cf_api.h"
#include "api/cf_authcache.h"
#include "api/cf_json.h"
#include "base/cf_log.h"
#include "base/cf_mem.h"
#include "base/cf_str.h"
#include "base/cf_time.h"
#include "config/cf_config.h"
#include "core/cf_core.h"
#include "engine/cf_engine.h"
#include "http/cf_auth.h"
#include "http/cf_http.h"
#include "http/cf_tls.h"
#include "markup/cf_markup.h"
#include "store/cf_store.h"
#include "store/cf_writer.h"
#include "webhook/cf_guard.h"
#include "webhook/cf_webhook.h"

#include <curl/curl.h>

#define CONFAB_VERSION "0.1.0"

extern char **environ;

static void usage(FILE *out)
{
    fputs("confab " CONFAB_VERSION " - a conference server speaking SignalWire's Compatibility API\n\n"
          "usage:\n"
          "  confab serve [settings]                 run the server\n"
          "  confab project create --name NAME [--json] [settings]\n"
          "  confab project list [--json] [settings]\n"
          "  confab project token-create PROJECT_ID [--json] [settings]\n"
          "  confab project token-revoke PROJECT_ID TOKEN_ID [settings]\n"
          "  confab migrate [settings]               apply schema migrations and exit\n"
          "  confab --version\n"
          "  confab COMMAND --help                   describe a command and the settings\n\n"
          "Settings are flags (--name value), CONFAB_NAME environment variables or\n"
          "name = value lines of the file given by --config. `confab serve --help` lists them.\n",
          out);
}

#define WRITE_BATCH_MAX 256 /* requests per write transaction, at most */
/* under load, the writer's wait before a batch for the requests about to
 * arrive (cf_writer.c): 40-60 us did as well as each other, 20 us less well */
#define WRITE_LINGER_US 50
/* how long verified credentials are trusted without the store: also how
 * long a revoked token may still work (see cf_authcache.h) */
#define AUTH_CACHE_TTL_US (1 * CF_USEC_PER_SEC)

/* CPUs in this process's affinity mask (at least 1). */
static int usable_cpus(void)
{
    cpu_set_t set;
    int n;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && (n = CPU_COUNT(&set)) > 0) return n;
    n = (int)sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

/* ---- the engine's event thread: one store connection of its own ---- */

struct engine_wiring {
    struct cf_store *st;   /* owned: used only on the engine's thread, once the writer stopped */
    struct cf_writer *writer; /* borrowed: runs the events' use-cases, in order */
    struct cf_engine *eng; /* set once the engine exists */
    const char *region;
    const char *base_url;
    _Atomic(struct cf_webhook *) webhook; /* set once the worker exists */
};

static void engine_core(struct engine_wiring *w, struct cf_core *core)
{
    memset(core, 0, sizeof *core);
    core->st = w->st;
    core->eng = w->eng;
    core->region = w->region;
    core->base_url = w->base_url;
    core->kick = cf_webhook_kick;
    core->kick_ud = atomic_load(&w->webhook);
}

/* One engine event on its way through the writer thread: batched with the
 * API's writes, in the order the engine reported them. */
struct engine_job {
    struct cf_writer_job base; /* must be first */
    struct cf_engine_event ev;
    struct cf_core core;
    struct cf_core_after after;
    struct cf_arena a;         /* holds the after items */
};

static int engine_job_run(struct cf_writer_job *j, struct cf_store *st)
{
    struct engine_job *e = (struct engine_job *)j;
    e->core.st = st;
    cf_core_on_engine_event(&e->core, &e->ev);
    return 0;
}

static void engine_job_done(struct cf_writer_job *j, bool committed)
{
    struct engine_job *e = (struct engine_job *)j;
    if (!committed)
        cf_log(CF_LOG_ERROR, NULL, "msg=\"engine event not stored\" type=%d call=%s conference=%s",
               (int)e->ev.type, e->ev.call_sid, e->ev.conference_sid);
    cf_core_after_finish(&e->core, committed);
    cf_arena_cleanup(&e->a);
    cf_free(e);
}

static void on_engine_event(void *ud, const struct cf_engine_event *ev)
{
    struct engine_wiring *w = ud;
    struct engine_job *e;
    struct cf_core core;
    if (w->writer) {
        e = cf_calloc(1, sizeof *e);
        e->base.run = engine_job_run;
        e->base.done = engine_job_done;
        e->base.own_tx = true; /* each use-case is its own savepoint */
        e->ev = *ev;
        engine_core(w, &e->core);
        cf_arena_init(&e->a);
        e->after.a = &e->a;
        e->core.after = &e->after;
        if (cf_writer_submit(w->writer, &e->base)) return;
        cf_arena_cleanup(&e->a); /* the writer has stopped: on this thread then */
        cf_free(e);
    }
    engine_core(w, &core);
    cf_core_on_engine_event(&core, ev);
}

/* ---- projects ---- */

struct new_project {
    struct cf_project p;
    char token_id[CF_UUID_SIZE];
    char token[65];
};

#define MAX_LIVE_TOKENS 256 /* the API compares a request's token with each live one */

static int create_token(struct cf_store *st, const char *project_id, char *token_id, char *token,
                        struct cf_err *err)
{
    unsigned char (*hashes)[32] = cf_malloc(MAX_LIVE_TOKENS * sizeof *hashes);
    struct cf_token_row t;
    size_t live = 0;
    int rc = st->ops->token_hashes(st, project_id, hashes, MAX_LIVE_TOKENS, &live);
    cf_free(hashes);
    if (rc == 0 && live >= MAX_LIVE_TOKENS)
        return cf_err_set(err, CF_ELIMIT, "the project already has %d live tokens; revoke one first",
                          MAX_LIVE_TOKENS);
    memset(&t, 0, sizeof t);
    cf_id_uuid(t.id);
    cf_str_copy(t.project_id, sizeof t.project_id, project_id);
    if ((rc = cf_auth_new_secret(token))) return cf_err_set(err, rc, "no randomness");
    cf_auth_hash_token(token, t.hash);
    t.date_created = cf_time_now_us();
    if ((rc = st->ops->token_insert(st, &t))) return cf_err_set(err, rc, "cannot store the token");
    memcpy(token_id, t.id, CF_UUID_SIZE);
    return 0;
}

static int create_project(struct cf_store *st, const char *name, struct new_project *np,
                          struct cf_err *err)
{
    unsigned char key[32];
    int rc;
    memset(np, 0, sizeof *np);
    cf_id_uuid(np->p.id);
    if (cf_str_copy(np->p.name, sizeof np->p.name, name))
        return cf_err_set(err, CF_EINVAL, "--name is too long");
    if ((rc = cf_id_random(key, sizeof key))) return cf_err_set(err, rc, "no randomness");
    cf_id_hex(key, sizeof key, np->p.signing_key);
    np->p.date_created = cf_time_now_us();
    if ((rc = st->ops->begin(st, true))) return cf_err_set(err, rc, "cannot write the store");
    if ((rc = st->ops->project_insert(st, &np->p)) ||
        (rc = create_token(st, np->p.id, np->token_id, np->token, err))) {
        st->ops->rollback(st);
        return cf_err_set(err, rc, "cannot store the project");
    }
    if ((rc = st->ops->commit(st))) return cf_err_set(err, rc, "cannot commit the project");
    return 0;
}

/* The name as a JSON string (quotes included), in a static buffer of the caller's. */
static const char *json_name(const char *name, struct cf_buf *b)
{
    cf_buf_reset(b);
    cf_json_escape(b, name);
    return cf_buf_str(b);
}

static void print_project(const struct new_project *np, bool json)
{
    if (json) {
        struct cf_buf b;
        cf_buf_init(&b, 8192);
        printf("{\"project_id\":\"%s\",\"name\":%s,\"token_id\":\"%s\",\"token\":\"%s\","
               "\"signing_key\":\"%s\"}\n",
               np->p.id, json_name(np->p.name, &b), np->token_id, np->token, np->p.signing_key);
        cf_buf_cleanup(&b);
    } else {
        printf("project_id=%s\ntoken_id=%s\ntoken=%s\nsigning_key=%s\n", np->p.id, np->token_id,
               np->token, np->p.signing_key);
    }
}

/* Removes our own flags (name, json) from argv so that what is left is settings. */
static void take_flag(int *argc, char **argv, const char *flag, const char **value, bool *present)
{
    size_t fl = strlen(flag);
    for (int i = 0; i < *argc; i++) {
        int drop = 0;
        if (strcmp(argv[i], flag) == 0) {
            if (value) {
                if (i + 1 >= *argc) continue;
                *value = argv[i + 1];
                drop = 2;
            } else {
                drop = 1;
            }
        } else if (value && strncmp(argv[i], flag, fl) == 0 && argv[i][fl] == '=') {
            *value = argv[i] + fl + 1;
            drop = 1;
        }
        if (drop) {
            if (present) *present = true;
            memmove(&argv[i], &argv[i + drop], (size_t)(*argc - i - drop) * sizeof *argv);
            *argc -= drop;
            i--;
        }
    }
}

static int load_config(struct cf_config *cfg, int argc, char **argv)
{
    struct cf_err err = {0, ""};
    enum cf_log_level lvl;
    if (cf_config_load(cfg, argc, argv, environ, &err)) {
        fprintf(stderr, "confab: %s\n", err.msg);
        return 2;
    }
    if (cf_log_parse_level(cfg->log_level, &lvl) == 0) cf_log_set_level(lvl);
    return 0;
}

/* The store options every command takes from the configuration (serve adds
 * its page cache cap, write lock and checkpointer). */
static struct cf_store_opts store_opts(const struct cf_config *cfg)
{
    return (struct cf_store_opts){.path = cfg->database,
                                  .durable_full = strcmp(cfg->durability, "full") == 0};
}

static int open_store(const struct cf_config *cfg, struct cf_store **st)
{
    struct cf_err err = {0, ""};
    struct cf_store_opts so = store_opts(cfg);
    if (cf_store_open(&so, true, st, &err)) {
        fprintf(stderr, "confab: %s\n", err.msg);
        return 1;
    }
    return 0;
}

static void print_project_row(void *ud, const struct cf_project *p, int ntokens)
{
    bool json = *(bool *)ud;
    char d[CF_RFC2822_LEN];
    cf_time_rfc2822(p->date_created, d);
    if (json) {
        struct cf_buf b;
        cf_buf_init(&b, 8192);
        printf("{\"project_id\":\"%s\",\"name\":%s,\"tokens\":%d,\"date_created\":\"%s\"}\n",
               p->id, json_name(p->name, &b), ntokens, d);
        cf_buf_cleanup(&b);
    } else
        printf("%s  %-24s tokens=%d  created=%s\n", p->id, p->name, ntokens, d);
}

static int cmd_project(int argc, char **argv)
{
    struct cf_config cfg;
    struct cf_store *st = NULL;
    struct cf_err err = {0, ""};
    const char *sub = argc > 0 ? argv[0] : "";
    const char *name = NULL;
    bool json = false, help = strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0;
    int rc = 0;
    argc--, argv++;
    take_flag(&argc, argv, "--help", NULL, &help);
    take_flag(&argc, argv, "--json", NULL, &json);
    if (help || !*sub) {
        fputs("usage:\n"
              "  confab project create --name NAME [--json] [--database PATH]\n"
              "      makes a project; prints project_id, token_id, token (shown once) and signing_key\n"
              "  confab project list [--json] [--database PATH]\n"
              "  confab project token-create PROJECT_ID [--json] [--database PATH]\n"
              "      adds an API token to the project; prints token_id and token (shown once)\n"
              "  confab project token-revoke PROJECT_ID TOKEN_ID [--database PATH]\n",
              help ? stdout : stderr);
        return help ? 0 : 2;
    }
    if (strcmp(sub, "create") == 0) {
        struct new_project np;
        take_flag(&argc, argv, "--name", &name, NULL);
        if (!name || !*name) {
            fprintf(stderr, "confab: project create needs --name NAME\n");
            return 2;
        }
        if ((rc = load_config(&cfg, argc, argv)) || (rc = open_store(&cfg, &st))) return rc;
        if (create_project(st, name, &np, &err)) {
            fprintf(stderr, "confab: %s\n", err.msg);
            rc = 1;
        } else {
            print_project(&np, json);
        }
    } else if (strcmp(sub, "list") == 0) {
        if ((rc = load_config(&cfg, argc, argv)) || (rc = open_store(&cfg, &st))) return rc;
        if (st->ops->project_list(st, print_project_row, &json)) rc = 1;
    } else if (strcmp(sub, "token-create") == 0 || strcmp(sub, "token-revoke") == 0) {
        bool create = sub[6] == 'c';
        int npos = create ? 1 : 2;
        struct cf_project p;
        if (argc < npos || strncmp(argv[0], "--", 2) == 0 ||
            (npos == 2 && strncmp(argv[1], "--", 2) == 0)) {
            fprintf(stderr, "confab: project %s needs %s\n", sub,
                    create ? "PROJECT_ID" : "PROJECT_ID TOKEN_ID");
            return 2;
        }
        if ((rc = load_config(&cfg, argc - npos, argv + npos)) || (rc = open_store(&cfg, &st)))
            return rc;
        if (st->ops->project_get(st, argv[0], &p)) {
            fprintf(stderr, "confab: no project %s\n", argv[0]);
            rc = 1;
        } else if (create) {
            char token_id[CF_UUID_SIZE], token[65];
            if (create_token(st, p.id, token_id, token, &err)) {
                fprintf(stderr, "confab: %s\n", err.msg);
                rc = 1;
            } else if (json) {
                printf("{\"project_id\":\"%s\",\"token_id\":\"%s\",\"token\":\"%s\"}\n", p.id,
                       token_id, token);
            } else {
                printf("token_id=%s\ntoken=%s\n", token_id, token);
            }
        } else if (st->ops->token_revoke(st, p.id, argv[1])) {
            fprintf(stderr, "confab: project %s has no live token %s\n", p.id, argv[1]);
            rc = 1;
        } else {
            printf("revoked token %s\n", argv[1]);
        }
    } else {
        fprintf(stderr, "confab: unknown project command '%s' (try confab project --help)\n", sub);
        rc = 2;
    }
    if (st) st->ops->close(st);
    return rc;
}

/* ---- serve ---- */

/* Makes (or reads back) the development project whose credentials live in path. */
static int dev_project(struct cf_store *st, const char *path, const char *listen,
                       struct cf_err *err)
{
    char id[64] = "", token[128] = "";
    FILE *f = fopen(path, "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\r\n")] = '\0';
            if (strncmp(line, "project_id=", 11) == 0) cf_str_copy(id, sizeof id, line + 11);
            if (strncmp(line, "token=", 6) == 0) cf_str_copy(token, sizeof token, line + 6);
        }
        fclose(f);
    }
    if (!id[0] || !token[0]) {
        struct new_project np;
        int fd;
        bool wrote;
        if (create_project(st, "development", &np, err)) return err->code;
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0 || !(f = fdopen(fd, "w"))) {
            if (fd >= 0) close(fd);
            return cf_err_set(err, CF_ESYS, "dev_project: cannot write %s", path);
        }
        wrote = fprintf(f, "project_id=%s\ntoken_id=%s\ntoken=%s\nsigning_key=%s\n", np.p.id,
                        np.token_id, np.token, np.p.signing_key) > 0;
        if (fclose(f) != 0) wrote = false;
        if (!wrote) {
            unlink(path); /* no half file: the next start would make yet another project */
            return cf_err_set(err, CF_ESYS, "dev_project: cannot write %s", path);
        }
        cf_str_copy(id, sizeof id, np.p.id);
        cf_str_copy(token, sizeof token, np.token);
    }
    printf("\nconfab development project (credentials in %s)\n"
           "  project_id = %s\n  token      = %s\n\n"
           "Try it:\n"
           "  curl -u %s:%s \\\n"
           "    --data-urlencode From=+15550001111 --data-urlencode To=+15550002222 \\\n"
           "    http://%s/api/laml/2010-04-01/Accounts/%s/Conferences/MyRoom/Participants.json\n"
           "  curl -u %s:%s http://%s/api/laml/2010-04-01/Accounts/%s/Conferences.json\n\n",
           path, id, token, id, token, listen, id, id, token, listen, id);
    fflush(stdout);
    return 0;
}

static int resolve_host(const char *host, char *out, size_t outlen)
{
    struct addrinfo hints, *res = NULL;
    int rc;
    memset(&hints, 0, sizeof hints);
    hints.ai_flags = AI_NUMERICSERV;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, "1", &hints, &res) != 0 || !res) return CF_EINVAL;
    if (res->ai_family == AF_INET)
        rc = inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, out,
                       (socklen_t)outlen) ? 0 : CF_EINVAL;
    else
        rc = inet_ntop(AF_INET6, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, out,
                       (socklen_t)outlen) ? 0 : CF_EINVAL;
    freeaddrinfo(res);
    return rc;
}

static int cmd_serve(int argc, char **argv)
{
    struct cf_config cfg;
    struct cf_err err = {0, ""};
    struct cf_store *st = NULL, *engine_st = NULL;
    struct cf_store_pool *pool = NULL;
    struct cf_engine *eng = NULL;
    struct cf_http *http = NULL, *https = NULL, *ops = NULL;
    struct cf_metrics *metrics = NULL;
    struct cf_ratelimit *rl = NULL;
    struct cf_authcache *auth_cache = NULL;
    struct cf_tls *tls = NULL;
    struct cf_webhook *webhook = NULL;
    struct cf_webhook_opts wo;
    static struct cf_guard guard; /* large; lives for the whole serve */
    struct engine_wiring ew;
    struct cf_api api;
    struct cf_http_opts ho;
    struct cf_engine_sim_opts so;
    struct cf_store_opts sto;
    static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER; /* the process's writers */
    struct cf_store_ckpt *ckpt = NULL;
    struct cf_writer *writer = NULL;
    char host[128], addr[INET6_ADDRSTRLEN], recdir[1100], base_url[300];
    int port, workers, rc = 1, sig = 0;
    bool help = false, dump = false;
    sigset_t set;

    take_flag(&argc, argv, "--help", NULL, &help);
    take_flag(&argc, argv, "--dump-config", NULL, &dump);
    if (help) {
        printf("usage: confab serve [settings]\n\nRuns the HTTP API server.\n\n");
        cf_config_help(stdout);
        return 0;
    }
    if ((rc = load_config(&cfg, argc, argv))) return rc;
    if (dump) {
        cf_config_dump(&cfg, stdout);
        return 0;
    }
    if (cf_config_parse_listen(cfg.listen, host, sizeof host, &port) ||
        resolve_host(host, addr, sizeof addr)) {
        fprintf(stderr, "confab: listen: cannot use '%s'\n", cfg.listen);
        return 2;
    }
    /* one worker per CPU this process may run on (taskset, cgroup cpusets);
     * the store pool below also serves the HTTPS and metrics listeners' threads */
    workers = cfg.workers > 0 ? cfg.workers : usable_cpus();

    /* block the signals before any thread starts, so that only sigwait sees them */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (cfg.recordings_dir[0])
        snprintf(recdir, sizeof recdir, "%s", cfg.recordings_dir);
    else
        snprintf(recdir, sizeof recdir, "%s.recordings", cfg.database);
    if (mkdir(recdir, 0750) != 0 && errno != EEXIST) {
        fprintf(stderr, "confab: recordings_dir: cannot create %s: %s\n", recdir, strerror(errno));
        return 1;
    }
    if (cfg.public_url[0])
        snprintf(base_url, sizeof base_url, "%s", cfg.public_url);
    else
        snprintf(base_url, sizeof base_url, "http://%s", cfg.listen);
    if (cf_guard_init(&guard, cfg.webhook_allow, cfg.webhook_deny, &err)) {
        fprintf(stderr, "confab: %s\n", err.msg);
        return 2;
    }
    sto = store_opts(&cfg);
    sto.cache_mb = cfg.cache_mb;
    sto.write_lock = &write_lock;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fprintf(stderr, "confab: cannot initialise libcurl\n");
        return 1;
    }
    cf_markup_init();
    metrics = cf_calloc(1, sizeof *metrics);
    cf_metrics_init(metrics);
    /* start-up work on a connection of its own, closed before serving */
    if (cf_store_open(&sto, true, &st, &err)) goto fail; /* migrates */
    if (cfg.dev_project[0] && dev_project(st, cfg.dev_project, cfg.listen, &err)) goto fail;
    {
        int64_t cutoff = cf_time_now_us() - 24 * 3600 * CF_USEC_PER_SEC;
        st->ops->idem_expire(st, cutoff);
    }
    st->ops->close(st);
    st = NULL;
    if (cf_store_ckpt_start(cfg.database, &write_lock, 0, &ckpt, &err)) goto fail;
    sto.ckpt = ckpt;
    if (cf_store_pool_create(&sto, workers * (cfg.tls_cert[0] ? 2 : 1) + (cfg.metrics_listen[0] ? 1 : 0),
                             &pool, &err))
        goto fail;
    if (cf_store_open(&sto, false, &engine_st, &err)) goto fail;
    if (cf_writer_start(&sto, WRITE_BATCH_MAX, WRITE_LINGER_US, &writer, &err)) goto fail;
    ew.writer = writer;
    ew.st = engine_st;
    ew.eng = NULL;
    atomic_init(&ew.webhook, NULL);
    ew.region = cfg.region;
    ew.base_url = base_url;
    so.answer_delay_ms = cfg.sim_answer_delay_ms;
    so.recordings_dir = recdir;
    if (cf_engine_sim_create(&so, on_engine_event, &ew, &eng)) {
        cf_err_set(&err, CF_ESYS, "cannot start the simulated engine");
        goto fail;
    }
    ew.eng = eng;
    memset(&wo, 0, sizeof wo);
    wo.store = sto;
    wo.guard = &guard;
    wo.eng = eng;
    wo.region = cfg.region;
    wo.base_url = base_url;
    wo.retry_for_s = cfg.webhook_retry_for;
    wo.timeout_s = cfg.webhook_timeout;
    wo.user_agent = "confab/" CONFAB_VERSION;
    wo.metrics = metrics;
    wo.writer = writer;
    if (cf_webhook_start(&wo, &webhook, &err)) goto fail;
    atomic_store(&ew.webhook, webhook);
    rl = cf_ratelimit_create(cfg.rate_limit, cfg.rate_burst ? cfg.rate_burst : cfg.rate_limit);
    api.metrics = metrics;
    api.rl = rl;
    auth_cache = cf_authcache_create(AUTH_CACHE_TTL_US);
    api.auth_cache = auth_cache;
    api.max_live_conferences = cfg.max_live_conferences;
    api.max_live_participants = cfg.max_live_participants;
    api.serve_metrics = cfg.metrics_listen[0] == '\0';
    api.pool = pool;
    api.writer = writer;
    api.ckpt = ckpt;
    api.kick = cf_webhook_kick;
    api.kick_ud = webhook;
    api.eng = eng;
    api.region = cfg.region;
    api.more_info = cfg.more_info_base;
    api.recordings_dir = recdir;
    api.base_url = base_url;
    memset(&ho, 0, sizeof ho);
    ho.host = addr;
    ho.port = port;
    ho.workers = workers;
    ho.max_connections = cfg.max_connections;
    ho.idle_timeout_s = cfg.idle_timeout;
    ho.header_timeout_s = cfg.header_timeout;
    ho.max_body = (size_t)cfg.max_body;
    ho.max_header = (size_t)cfg.max_header;
    ho.handler = cf_api_handle;
    ho.handler_ud = &api;
    ho.on_done = cf_api_on_done;
    ho.on_done_ud = &api;
    if (cfg.metrics_listen[0]) {
        struct cf_http_opts mo = ho;
        char mhost[128], maddr[INET6_ADDRSTRLEN];
        int mport;
        if (cf_config_parse_listen(cfg.metrics_listen, mhost, sizeof mhost, &mport) ||
            resolve_host(mhost, maddr, sizeof maddr)) {
            cf_err_set(&err, CF_EINVAL, "metrics_listen: cannot use '%s'", cfg.metrics_listen);
            goto fail;
        }
        mo.host = maddr;
        mo.port = mport;
        mo.workers = 1;
        mo.handler = cf_api_handle_ops;
        if (cf_http_start(&mo, &ops, &err)) goto fail;
        cf_log(CF_LOG_NOTICE, NULL, "msg=\"metrics listening\" listen=%s:%d", maddr,
               cf_http_port(ops));
    }
    if (cfg.tls_cert[0] || cfg.tls_key[0]) {
        struct cf_http_opts tlso = ho;
        char thost[128], taddr[INET6_ADDRSTRLEN];
        int tport;
        if (!cfg.tls_cert[0] || !cfg.tls_key[0]) {
            cf_err_set(&err, CF_EINVAL, "tls_cert and tls_key go together");
            goto fail;
        }
        if (cf_config_parse_listen(cfg.tls_listen, thost, sizeof thost, &tport) ||
            resolve_host(thost, taddr, sizeof taddr)) {
            cf_err_set(&err, CF_EINVAL, "tls_listen: cannot use '%s'", cfg.tls_listen);
            goto fail;
        }
        if (cf_tls_create(cfg.tls_cert, cfg.tls_key, &tls, &err)) goto fail;
        tlso.host = taddr;
        tlso.port = tport;
        tlso.tls = true;
        if (cf_http_start(&tlso, &https, &err)) goto fail;
        cf_log(CF_LOG_NOTICE, NULL, "msg=\"confab listening (https)\" listen=%s:%d", taddr,
               cf_http_port(https));
    }
    /* The API listener starts last: once its /health answers (what readiness
     * checks poll), the HTTPS and metrics listeners accept connections too. */
    if (cf_http_start(&ho, &http, &err)) goto fail;
    cf_log(CF_LOG_NOTICE, NULL,
           "msg=\"confab listening\" version=%s listen=%s:%d workers=%d database=\"%s\" engine=%s "
           "region=%s durability=%s",
           CONFAB_VERSION, addr, cf_http_port(http), workers, cfg.database, cfg.engine, cfg.region,
           cfg.durability);
    for (;;) {
        if (sigwait(&set, &sig) != 0) continue;
        if (sig == SIGHUP) {
            if (!tls) {
                cf_log(CF_LOG_NOTICE, NULL, "msg=\"SIGHUP: nothing to reload\"");
            } else if (cf_tls_reload(tls, &err)) {
                cf_log(CF_LOG_ERROR, NULL, "msg=\"SIGHUP: certificate not reloaded\" detail=\"%s\"",
                       err.msg);
            } else {
                cf_log(CF_LOG_NOTICE, NULL, "msg=\"SIGHUP: certificate reloaded\"");
            }
            continue;
        }
        break;
    }
    cf_log(CF_LOG_NOTICE, NULL, "msg=\"shutting down\" signal=%d grace_s=%d", sig,
           cfg.shutdown_grace);
    rc = 0;
    goto out;
fail:
    fprintf(stderr, "confab: %s\n", err.msg);
    rc = 1;
out:
    cf_http_stop(ops, 0);
    cf_http_stop(https, cfg.shutdown_grace);
    cf_http_stop(http, cfg.shutdown_grace);
    cf_writer_stop(writer); /* after the listeners: their last writes still run */
    cf_tls_destroy(tls);
    /* The webhook thread plays announcements through the engine, and the
     * engine's thread kicks the webhook: halt the webhook's thread first,
     * then destroy the engine, and free the webhook last. */
    cf_webhook_halt(webhook);
    if (eng) eng->ops->destroy(eng);
    cf_webhook_stop(webhook);
    cf_writer_free(writer); /* the engine, which submits to it, is gone */
    cf_store_pool_destroy(pool);
    if (engine_st) engine_st->ops->close(engine_st);
    if (st) st->ops->close(st);
    cf_store_ckpt_stop(ckpt);
    cf_ratelimit_destroy(rl);
    cf_authcache_destroy(auth_cache);
    cf_free(metrics);
    cf_markup_cleanup();
    curl_global_cleanup();
    if (rc == 0) cf_log(CF_LOG_NOTICE, NULL, "msg=\"stopped\"");
    return rc;
}

static int cmd_migrate(int argc, char **argv)
{
    struct cf_config cfg;
    struct cf_store *st = NULL;
    bool help = false;
    int rc;
    take_flag(&argc, argv, "--help", NULL, &help);
    if (help) {
        printf("usage: confab migrate [--database PATH] [--config FILE]\n\n"
               "Applies the store's schema migrations (PRAGMA user_version) and exits.\n"
               "confab serve applies them at start too; this is for upgrades done ahead of time.\n");
        return 0;
    }
    if ((rc = load_config(&cfg, argc, argv)) || (rc = open_store(&cfg, &st))) return rc;
    st->ops->close(st);
    printf("database %s is up to date\n", cfg.database);
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "";
    cf_store_global_init();
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("confab %s\n", CONFAB_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "serve")) return cmd_serve(argc - 2, argv + 2);
    if (!strcmp(cmd, "project")) return cmd_project(argc - 2, argv + 2);
    if (!strcmp(cmd, "migrate")) return cmd_migrate(argc - 2, argv + 2);
    usage(stderr);
    return 2;
}
