/* SPDX-License-Identifier: MIT
 *
 * test_config.c - unit tests for src/config: defaults, the three sources and
 * their precedence, every kind of validation error and its message, dump
 * round trips, and that conf/confab.conf.example matches the table.
 *
 * Arguments and environments are written as one string with '\n' between
 * entries, so a test reads like the command line it stands for. Config files
 * are real files made with mkstemp under /tmp and removed at the end.
 */
#include <stdio.h>
#include <stdlib.h> /* mkstemp */
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../src/config/cf_config.h"
#include "cf_test.h"

#define MAXV 32

/* Splits list ('\n'-separated, may be NULL) into v, backed by buf. */
static int split(const char *list, char *buf, size_t buflen, char **v)
{
    int n = 0;
    char *p;
    if (!list) {
        v[0] = NULL;
        return 0;
    }
    snprintf(buf, buflen, "%s", list);
    p = buf;
    while (n < MAXV - 1) {
        char *nl = strchr(p, '\n');
        v[n++] = p;
        if (!nl) break;
        *nl = '\0';
        p = nl + 1;
    }
    v[n] = NULL;
    return n;
}

/* Runs cf_config_load with args and env given as '\n'-separated lists. */
static int load(struct cf_config *cfg, const char *args, const char *env,
                struct cf_err *err)
{
    static char abuf[8192], ebuf[8192];
    char *argv[MAXV], *envp[MAXV];
    int argc = split(args, abuf, sizeof abuf, argv);
    split(env, ebuf, sizeof ebuf, envp);
    memset(err, 0, sizeof *err);
    return cf_config_load(cfg, argc, argv, envp, err);
}

/* Writes text to a new file under /tmp; path receives its name. */
static int write_tmp(char *path, size_t pathlen, const char *text)
{
    size_t len = strlen(text);
    int fd;
    snprintf(path, pathlen, "/tmp/confab-test-config-XXXXXX");
    fd = mkstemp(path);
    if (fd < 0) return -1;
    if (write(fd, text, len) != (ssize_t)len) {
        close(fd);
        unlink(path);
        return -1;
    }
    close(fd);
    return 0;
}

/* Reads what f holds from the start into out (NUL-terminated), closes f. */
static const char *slurp(FILE *f, char *out, size_t outlen)
{
    size_t n;
    rewind(f);
    n = fread(out, 1, outlen - 1, f);
    out[n] = '\0';
    fclose(f);
    return out;
}

/* Returns cf_config_dump's output, in out. */
static const char *dump_str(const struct cf_config *cfg, char *out,
                            size_t outlen)
{
    FILE *f = tmpfile();
    out[0] = '\0';
    if (!f) return out;
    cf_config_dump(cfg, f);
    return slurp(f, out, outlen);
}

CF_TEST(config_defaults)
{
    struct cf_config cfg;
    struct cf_err err;
    memset(&cfg, 0x5a, sizeof cfg);
    CF_CHECK_INT(load(&cfg, NULL, NULL, &err), 0);
    CF_CHECK_STR(cfg.listen, "127.0.0.1:8080");
    CF_CHECK_STR(cfg.database, "confab.db");
    CF_CHECK_STR(cfg.engine, "sim");
    CF_CHECK_STR(cfg.region, "us1");
    CF_CHECK_INT(cfg.workers, 0);
    CF_CHECK_STR(cfg.log_level, "info");
    CF_CHECK_STR(cfg.webhook_allow, "");
    CF_CHECK_STR(cfg.webhook_deny, "");
    CF_CHECK_INT(cfg.max_connections, 10000);
    CF_CHECK_INT(cfg.idle_timeout, 60);
    CF_CHECK_INT(cfg.max_body, 65536);
    CF_CHECK_INT(cfg.max_header, 16384);
    CF_CHECK_STR(cfg.more_info_base,
                 "https://developer.signalwire.com/compatibility-api/"
                 "reference/error-codes");
    CF_CHECK_STR(cfg.durability, "normal");
    CF_CHECK_STR(cfg.dev_project, "");
    CF_CHECK_INT(cfg.shutdown_grace, 10);
    CF_CHECK_INT(cfg.sim_answer_delay_ms, 0);

    /* NULL argv and envp with argc 0 are fine too; other env is ignored. */
    memset(&err, 0, sizeof err);
    CF_CHECK_INT(cf_config_load(&cfg, 0, NULL, NULL, &err), 0);
    CF_CHECK_INT(load(&cfg, NULL, "PATH=/bin\nHOME=/root\nCONFABX=1\nX", &err),
                 0);
}

CF_TEST(config_file)
{
    struct cf_config cfg;
    struct cf_err err;
    char path[64], arg[128];
    const char *text =
        "# a comment\n"
        "\n"
        "   # an indented comment\n"
        "listen = 0.0.0.0:9000\n"
        "workers=4\r\n"
        "  log_level   =   debug   # trailing comment\n"
        "database = \"my db # not a comment.db\"\n"
        "dev_project = ' spaced '  # comment after quotes\n"
        "webhook-allow = 10.0.0.0/8, ::1\n"
        "more_info_base = https://example.com/errors#frag\n"
        "webhook_deny = # empty, the rest is a comment\n"
        "region = \"de1\"";  /* no final newline */
    CF_CHECK_INT(write_tmp(path, sizeof path, text), 0);
    snprintf(arg, sizeof arg, "--config\n%s", path);
    CF_CHECK_INT(load(&cfg, arg, NULL, &err), 0);
    CF_CHECK_STR(err.msg, "");
    CF_CHECK_STR(cfg.listen, "0.0.0.0:9000");
    CF_CHECK_INT(cfg.workers, 4);
    CF_CHECK_STR(cfg.log_level, "debug");
    CF_CHECK_STR(cfg.database, "my db # not a comment.db");
    CF_CHECK_STR(cfg.dev_project, " spaced ");
    CF_CHECK_STR(cfg.webhook_allow, "10.0.0.0/8, ::1");
    CF_CHECK_STR(cfg.more_info_base, "https://example.com/errors#frag");
    CF_CHECK_STR(cfg.webhook_deny, "");
    CF_CHECK_STR(cfg.region, "de1");
    CF_CHECK_INT(cfg.idle_timeout, 60); /* untouched: still the default */
    unlink(path);
}

CF_TEST(config_file_unknown_key)
{
    struct cf_config cfg;
    struct cf_err err;
    char path[64], arg[128], want[256];
    CF_CHECK_INT(write_tmp(path, sizeof path,
                           "# settings\nworkers = 2\nlisen = 1.2.3.4:80\n"),
                 0);
    snprintf(arg, sizeof arg, "--config=%s", path);
    CF_CHECK_INT(load(&cfg, arg, NULL, &err), CF_EINVAL);
    CF_CHECK_INT(err.code, CF_EINVAL);
    snprintf(want, sizeof want, "%s:3: unknown setting 'lisen'", path);
    CF_CHECK_STR(err.msg, want);
    unlink(path);
}

/* Loads text as a config file; returns the rc and leaves the message. */
static int load_file_text(const char *text, struct cf_config *cfg,
                          struct cf_err *err, char *path, size_t pathlen)
{
    char arg[128];
    int rc;
    if (write_tmp(path, pathlen, text)) return -1;
    snprintf(arg, sizeof arg, "--config\n%s", path);
    rc = load(cfg, arg, NULL, err);
    unlink(path);
    return rc;
}

CF_TEST(config_file_errors)
{
    static const struct {
        const char *text;
        const char *want; /* message after "<path>:" */
    } cases[] = {
        {"workers 4\n", "1: expected 'name = value', found 'workers 4'"},
        {"\n= 4\n", "2: no setting name before '='"},
        {"database = \"x.db\n", "1: unterminated quote in the value of "
                                "'database'"},
        {"database = \"x.db\" y\n", "1: text after the closing quote of "
                                    "'database'"},
        {"workers = 1\n#\nworkers = 2\n", "3: 'workers' is already set on "
                                          "line 1"},
        {"config = /etc/x\n", "1: 'config' cannot be set in a config file"},
    };
    struct cf_config cfg;
    struct cf_err err;
    char path[64], want[300];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CF_CHECK_INT(load_file_text(cases[i].text, &cfg, &err, path,
                                    sizeof path),
                     CF_EINVAL);
        snprintf(want, sizeof want, "%s:%s", path, cases[i].want);
        CF_CHECK_STR(err.msg, want);
    }

    /* A NUL byte cannot pass through a C string; use the text entry. */
    memset(&err, 0, sizeof err);
    CF_CHECK_INT(cf_config_load_text(&cfg, "t.conf", "#\nw\0 = 1\n", 9, &err),
                 CF_EINVAL);
    CF_CHECK_STR(err.msg, "t.conf:2: NUL byte in line");

    /* A bad value names the setting, the file and the line. */
    CF_CHECK_INT(load_file_text("\n\nworkers = lots\n", &cfg, &err, path,
                                sizeof path),
                 CF_EINVAL);
    snprintf(want, sizeof want,
             "workers: 'lots' is not an integer (from %s:3)", path);
    CF_CHECK_STR(err.msg, want);

    /* A missing file is an error that says where its name came from. */
    CF_CHECK_INT(load(&cfg, "--config\n/nonexistent/confab.conf", NULL, &err),
                 CF_EINVAL);
    CF_CHECK_STR(err.msg, "cannot open config file '/nonexistent/confab.conf':"
                          " No such file or directory (from flag --config)");
}

CF_TEST(config_load_text)
{
    struct cf_config cfg, before;
    struct cf_err err;
    const char *text = "\xEF\xBB\xBFworkers = 3\nregion = jp1\n";
    CF_CHECK_INT(load(&cfg, NULL, NULL, &err), 0);
    CF_CHECK_INT(cf_config_load_text(&cfg, "x", text, strlen(text), &err), 0);
    CF_CHECK_INT(cfg.workers, 3);
    CF_CHECK_STR(cfg.region, "jp1");
    /* A failure in a later line leaves cfg as it was. */
    before = cfg;
    text = "workers = 5\nregion = mars\n";
    CF_CHECK_INT(cf_config_load_text(&cfg, "x", text, strlen(text), &err),
                 CF_EINVAL);
    CF_CHECK(memcmp(&cfg, &before, sizeof cfg) == 0);
}

CF_TEST(config_env_overrides_file)
{
    struct cf_config cfg;
    struct cf_err err;
    char path[64], arg[128], env[128];
    CF_CHECK_INT(write_tmp(path, sizeof path,
                           "workers = 4\nregion = ie1\nlog_level = warn\n"),
                 0);
    snprintf(arg, sizeof arg, "--config\n%s", path);
    CF_CHECK_INT(load(&cfg, arg, "CONFAB_WORKERS=8\nCONFAB_WEBHOOK_ALLOW="
                                 "192.168.0.0/16",
                      &err),
                 0);
    CF_CHECK_INT(cfg.workers, 8);
    CF_CHECK_STR(cfg.region, "ie1");
    CF_CHECK_STR(cfg.webhook_allow, "192.168.0.0/16");

    /* CONFAB_CONFIG names the file when there is no --config. */
    snprintf(env, sizeof env, "CONFAB_CONFIG=%s\nCONFAB_LOG_LEVEL=error",
             path);
    CF_CHECK_INT(load(&cfg, NULL, env, &err), 0);
    CF_CHECK_INT(cfg.workers, 4);
    CF_CHECK_STR(cfg.log_level, "error");

    /* --config wins over CONFAB_CONFIG; --config= means no file at all. */
    CF_CHECK_INT(load(&cfg, "--config=", env, &err), 0);
    CF_CHECK_INT(cfg.workers, 0);
    CF_CHECK_INT(load(&cfg, "--config=/nonexistent/x", env, &err), CF_EINVAL);
    unlink(path);
}

CF_TEST(config_flags_override_env)
{
    struct cf_config cfg;
    struct cf_err err;
    CF_CHECK_INT(load(&cfg, "--workers\n16",
                      "CONFAB_WORKERS=8\nCONFAB_IDLE_TIMEOUT=30", &err),
                 0);
    CF_CHECK_INT(cfg.workers, 16);
    CF_CHECK_INT(cfg.idle_timeout, 30);
    /* A repeated flag: the last one wins. */
    CF_CHECK_INT(load(&cfg, "--workers=1\n--workers=2", NULL, &err), 0);
    CF_CHECK_INT(cfg.workers, 2);
}

CF_TEST(config_flag_forms)
{
    struct cf_config cfg;
    struct cf_err err;
    CF_CHECK_INT(load(&cfg,
                      "--workers\n3\n"
                      "--log-level=debug\n"
                      "--webhook_allow=10.0.0.0/8\n"
                      "--webhook-deny\n192.168.0.0/16\n"
                      "--max_body\n2048\n"
                      "--sim-answer-delay-ms=-0\n"
                      "--dev-project\n\n" /* an empty value */
                      "--database=a=b.db",
                      NULL, &err),
                 0);
    CF_CHECK_STR(err.msg, "");
    CF_CHECK_INT(cfg.workers, 3);
    CF_CHECK_STR(cfg.log_level, "debug");
    CF_CHECK_STR(cfg.webhook_allow, "10.0.0.0/8");
    CF_CHECK_STR(cfg.webhook_deny, "192.168.0.0/16");
    CF_CHECK_INT(cfg.max_body, 2048);
    CF_CHECK_INT(cfg.sim_answer_delay_ms, 0);
    CF_CHECK_STR(cfg.dev_project, "");
    CF_CHECK_STR(cfg.database, "a=b.db");
}

CF_TEST(config_flag_errors)
{
    struct cf_config cfg;
    struct cf_err err;
    CF_CHECK_INT(load(&cfg, "--lisen\n1.2.3.4:80", NULL, &err), CF_EINVAL);
    CF_CHECK_STR(err.msg, "unknown flag '--lisen'");
    CF_CHECK_INT(load(&cfg, "--workers", NULL, &err), CF_EINVAL);
    CF_CHECK_STR(err.msg, "flag --workers needs a value");
    CF_CHECK_INT(load(&cfg, "--workers\n--region=us2", NULL, &err), CF_EINVAL);
    CF_CHECK_STR(err.msg, "flag --workers needs a value");
    CF_CHECK_INT(load(&cfg, "serve", NULL, &err), CF_EINVAL);
    CF_CHECK(strstr(err.msg, "unexpected argument 'serve'") != NULL);
    CF_CHECK_INT(load(&cfg, "-w\n4", NULL, &err), CF_EINVAL);
    CF_CHECK(strstr(err.msg, "unexpected argument '-w'") != NULL);
    CF_CHECK_INT(load(&cfg, "--", NULL, &err), CF_EINVAL);
    CF_CHECK_INT(load(&cfg, "--help", NULL, &err), CF_EINVAL);
    CF_CHECK_STR(err.msg, "unknown flag '--help'");
    /* A malformed flag is reported even when the file is also bad. */
    CF_CHECK_INT(load(&cfg, "--config=/nonexistent\n--bogus=1", NULL, &err),
                 CF_EINVAL);
    CF_CHECK_STR(err.msg, "unknown flag '--bogus'");
}

CF_TEST(config_env_errors)
{
    struct cf_config cfg;
    struct cf_err err;
    CF_CHECK_INT(load(&cfg, NULL, "CONFAB_WORKERS=abc", &err), CF_EINVAL);
    CF_CHECK_STR(err.msg, "workers: 'abc' is not an integer (from "
                          "environment variable CONFAB_WORKERS)");
    CF_CHECK_INT(load(&cfg, NULL, "CONFAB_LISEN=1.2.3.4:80", &err), CF_EINVAL);
    CF_CHECK_STR(err.msg, "unknown environment variable CONFAB_LISEN");
    /* Env names are the upper-case names, exactly. */
    CF_CHECK_INT(load(&cfg, NULL, "CONFAB_workers=1", &err), CF_EINVAL);
    CF_CHECK_INT(load(&cfg, NULL, "CONFAB_WEBHOOK-ALLOW=", &err), CF_EINVAL);
    /* A CONFAB_ entry without '=' is not a variable; skip it. */
    CF_CHECK_INT(load(&cfg, NULL, "CONFAB_JUNK", &err), 0);
}

CF_TEST(config_range_errors)
{
    struct cf_config cfg;
    struct cf_err err;
    CF_CHECK_INT(load(&cfg, "--workers=257", NULL, &err), CF_EINVAL);
    CF_CHECK_STR(err.msg, "workers: '257' is out of range 0..256 (from flag "
                          "--workers)");
    CF_CHECK_INT(load(&cfg, "--workers=-1", NULL, &err), CF_EINVAL);
    CF_CHECK(strstr(err.msg, "workers: '-1' is out of range") != NULL);
    CF_CHECK_INT(load(&cfg, "--max-body\n1023", NULL, &err), CF_EINVAL);
    CF_CHECK_STR(err.msg, "max_body: '1023' is out of range 1024..1048576 "
                          "(from flag --max-body)");
    CF_CHECK_INT(load(&cfg, NULL, "CONFAB_MAX_CONNECTIONS=0", &err),
                 CF_EINVAL);
    CF_CHECK(strstr(err.msg, "max_connections:") == err.msg);
    CF_CHECK_INT(load(&cfg, "--idle-timeout=99999999999999999999999", NULL,
                      &err),
                 CF_EINVAL);
    CF_CHECK(strstr(err.msg, "is out of range 1..3600") != NULL);
    CF_CHECK_INT(load(&cfg, "--idle-timeout=99999999999999999999999999999999"
                            "999999999",
                      NULL, &err),
                 CF_EINVAL);
    CF_CHECK(strstr(err.msg, "is out of range 1..3600") != NULL);
    CF_CHECK(strstr(err.msg, "...'") != NULL); /* long values are cut */

    /* Not integers: no atoi-style leniency. */
    static const char *const bad[] = {"", " 5", "5 ", "0x10", "1e3", "5s",
                                      "+", "-", "4.0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char arg[64];
        snprintf(arg, sizeof arg, "--shutdown-grace=%s", bad[i]);
        CF_CHECK_INT(load(&cfg, arg, NULL, &err), CF_EINVAL);
        CF_CHECK(strstr(err.msg, "is not an integer") != NULL);
    }
    /* Edges are in range, and '+' is allowed. */
    CF_CHECK_INT(load(&cfg, "--shutdown-grace=300\n--max-header=+1024\n"
                            "--sim-answer-delay-ms=600000",
                      NULL, &err),
                 0);
    CF_CHECK_INT(cfg.shutdown_grace, 300);
    CF_CHECK_INT(cfg.max_header, 1024);
    CF_CHECK_INT(cfg.sim_answer_delay_ms, 600000);
}

CF_TEST(config_enum_errors)
{
    struct cf_config cfg;
    struct cf_err err;
    CF_CHECK_INT(load(&cfg, "--log-level=verbose", NULL, &err), CF_EINVAL);
    CF_CHECK_STR(err.msg, "log_level: 'verbose' is not one of debug, info, "
                          "notice, warn, error, crit (from flag --log-level)");
    CF_CHECK_INT(load(&cfg, NULL, "CONFAB_REGION=us3", &err), CF_EINVAL);
    CF_CHECK(strstr(err.msg, "region: 'us3' is not one of us1,") == err.msg);
    CF_CHECK_INT(load(&cfg, "--engine=sip", NULL, &err), CF_EINVAL);
    CF_CHECK(strstr(err.msg, "engine: 'sip' is not one of sim") == err.msg);
    CF_CHECK_INT(load(&cfg, "--durability=FULL", NULL, &err), CF_EINVAL);
    CF_CHECK_INT(load(&cfg, "--region=us1x", NULL, &err), CF_EINVAL);
    CF_CHECK_INT(load(&cfg, "--region=", NULL, &err), CF_EINVAL);
    CF_CHECK_INT(load(&cfg, "--durability=full\n--region=jp1", NULL, &err), 0);
    CF_CHECK_STR(cfg.durability, "full");
    CF_CHECK_STR(cfg.region, "jp1");
}

CF_TEST(config_bad_listen)
{
    static const char *const bad[] = {
        "", "8080", "localhost", ":8080", "1.2.3.4:", "1.2.3.4:0",
        "1.2.3.4:65536", "1.2.3.4:80x", "1.2.3.4:+80", "1.2.3.4: 80",
        "::1:8080", "[::1]8080", "[::1:8080", "[1.2.3.4]:80", "[]:80",
        "256.1.1.1:80", "1.2.3:80", "bad_host:80", "-a.com:80", "a..b:80",
        "a.com.:80", "[::1]:", "host name:80",
    };
    struct cf_config cfg;
    struct cf_err err;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char arg[128], host[64];
        int port = -7;
        snprintf(arg, sizeof arg, "--listen=%s", bad[i]);
        CF_CHECK_INT(load(&cfg, arg, NULL, &err), CF_EINVAL);
        CF_CHECK(strncmp(err.msg, "listen: ", 8) == 0);
        CF_CHECK(strstr(err.msg, "(from flag --listen)") != NULL);
        snprintf(host, sizeof host, "unchanged");
        CF_CHECK_INT(cf_config_parse_listen(bad[i], host, sizeof host, &port),
                     CF_EINVAL);
        CF_CHECK_STR(host, "unchanged");
        CF_CHECK_INT(port, -7);
        if (err.code == 0) fprintf(stderr, "  accepted: '%s'\n", bad[i]);
    }
    CF_CHECK_INT(load(&cfg, "--listen=::1:8080", NULL, &err), CF_EINVAL);
    CF_CHECK_STR(err.msg, "listen: '::1:8080': an IPv6 address needs "
                          "brackets, as in [::1]:8080 (from flag --listen)");
}

CF_TEST(config_parse_listen)
{
    static const struct {
        const char *listen, *host;
        int port;
    } good[] = {
        {"127.0.0.1:8080", "127.0.0.1", 8080},
        {"0.0.0.0:1", "0.0.0.0", 1},
        {"[::1]:8080", "::1", 8080},
        {"[::]:65535", "::", 65535},
        {"[fe80::1:2]:443", "fe80::1:2", 443},
        {"localhost:80", "localhost", 80},
        {"api.example-1.com:8443", "api.example-1.com", 8443},
    };
    struct cf_config cfg;
    struct cf_err err;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char host[64], arg[128];
        int port = 0;
        CF_CHECK_INT(cf_config_parse_listen(good[i].listen, host, sizeof host,
                                            &port),
                     0);
        CF_CHECK_STR(host, good[i].host);
        CF_CHECK_INT(port, good[i].port);
        snprintf(arg, sizeof arg, "--listen\n%s", good[i].listen);
        CF_CHECK_INT(load(&cfg, arg, NULL, &err), 0);
        CF_CHECK_STR(cfg.listen, good[i].listen);
    }
    {
        char small[4];
        int port = 0;
        CF_CHECK_INT(cf_config_parse_listen("[::1]:80", small, sizeof small,
                                            &port),
                     0);
        CF_CHECK_INT(cf_config_parse_listen("localhost:80", small,
                                            sizeof small, &port),
                     CF_EINVAL);
    }
}

CF_TEST(config_bad_cidr)
{
    static const char *const bad[] = {
        "10.0.0.0/33", "1.2.3", "1.2.3.4/", "1.2.3.4/-1", "1.2.3.4/+8",
        "1.2.3.4/8/8", "::1/129", "::1/", "10.0.0.0/8,", ",10.0.0.0/8",
        "10.0.0.0/8,,::1", "10.0.0.0/8 ::1", "example.com", "/8",
        "1.2.3.4/1000", "01.2.3.4", "::g", "[::1]",
    };
    struct cf_config cfg;
    struct cf_err err;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char arg[128];
        size_t n = 99;
        struct cf_cidr c[4];
        snprintf(arg, sizeof arg, "--webhook-allow=%s", bad[i]);
        memset(&err, 0, sizeof err);
        CF_CHECK_INT(load(&cfg, arg, NULL, &err), CF_EINVAL);
        CF_CHECK(strncmp(err.msg, "webhook_allow: ", 15) == 0);
        if (err.code == 0) fprintf(stderr, "  accepted: '%s'\n", bad[i]);
        CF_CHECK_INT(cf_config_parse_cidr_list(bad[i], c, 4, &n), CF_EINVAL);
        CF_CHECK_INT(n, 99);
    }
    CF_CHECK_INT(load(&cfg, NULL, "CONFAB_WEBHOOK_DENY=10.0.0.0/8, 1.2.3.4/40",
                      &err),
                 CF_EINVAL);
    CF_CHECK_STR(err.msg, "webhook_deny: entry '1.2.3.4/40' needs a prefix "
                          "length from 0 to 32 (from environment variable "
                          "CONFAB_WEBHOOK_DENY)");
    CF_CHECK_INT(load(&cfg, "--webhook-deny=10.0.0.0/8,,::1", NULL, &err),
                 CF_EINVAL);
    CF_CHECK(strstr(err.msg, "empty entry") != NULL);

    /* More than CF_CONFIG_MAX_CIDRS entries cannot pass validation. */
    {
        char list[1024], arg[1100];
        size_t used = 0;
        for (int i = 0; i < CF_CONFIG_MAX_CIDRS + 1; i++) {
            memcpy(list + used, i ? ",::" : "::", i ? 3 : 2);
            used += i ? 3 : 2;
        }
        list[used] = '\0';
        snprintf(arg, sizeof arg, "--webhook-deny=%s", list);
        CF_CHECK_INT(load(&cfg, arg, NULL, &err), CF_EINVAL);
        CF_CHECK(strstr(err.msg, "more than 256 entries") != NULL);
    }
}

CF_TEST(config_cidr_list)
{
    struct cf_cidr c[8];
    struct cf_config cfg;
    struct cf_err err;
    size_t n = 0;
    const char *list = " 10.1.0.0/16 ,192.168.1.7, ::1,fe80::/10 , 0.0.0.0/0";
    CF_CHECK_INT(cf_config_parse_cidr_list(list, c, 8, &n), 0);
    CF_CHECK_INT(n, 5);
    CF_CHECK_INT(c[0].family, AF_INET);
    CF_CHECK_INT(c[0].prefix, 16);
    CF_CHECK(c[0].addr[0] == 10 && c[0].addr[1] == 1 && c[0].addr[2] == 0);
    CF_CHECK_INT(c[1].prefix, 32);
    CF_CHECK(c[1].addr[3] == 7);
    CF_CHECK_INT(c[2].family, AF_INET6);
    CF_CHECK_INT(c[2].prefix, 128);
    CF_CHECK(c[2].addr[15] == 1 && c[2].addr[0] == 0);
    CF_CHECK_INT(c[3].prefix, 10);
    CF_CHECK(c[3].addr[0] == 0xfe && c[3].addr[1] == 0x80);
    CF_CHECK_INT(c[4].prefix, 0);
    CF_CHECK_INT(cf_config_parse_cidr_list(list, c, 4, &n), CF_ETOOBIG);
    CF_CHECK_INT(cf_config_parse_cidr_list("", c, 8, &n), 0);
    CF_CHECK_INT(n, 0);
    CF_CHECK_INT(cf_config_parse_cidr_list("  ", c, 8, &n), 0);
    CF_CHECK_INT(n, 0);
    CF_CHECK_INT(load(&cfg, "--webhook-allow\n10.0.0.1/8", NULL, &err), 0);
    CF_CHECK_STR(cfg.webhook_allow, "10.0.0.1/8");
}

CF_TEST(config_string_too_long)
{
    struct cf_config cfg;
    struct cf_err err;
    char arg[1200];
    int n = snprintf(arg, sizeof arg, "--database=");
    memset(arg + n, 'a', 1023);
    arg[n + 1023] = '\0';
    CF_CHECK_INT(load(&cfg, arg, NULL, &err), 0);
    CF_CHECK_INT(strlen(cfg.database), 1023);
    arg[n + 1023] = 'a';
    arg[n + 1024] = '\0';
    CF_CHECK_INT(load(&cfg, arg, NULL, &err), CF_EINVAL);
    CF_CHECK_STR(err.msg, "database: value is 1024 bytes, over the limit of "
                          "1023 (from flag --database)");
    CF_CHECK_INT(load(&cfg, NULL, "CONFAB_MORE_INFO_BASE=https://example.com/"
                                  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                      &err),
                 CF_EINVAL);
    CF_CHECK(strstr(err.msg, "more_info_base: value is 284 bytes, over the "
                             "limit of 255") == err.msg);
    /* Empty where a value is required, and control characters. */
    CF_CHECK_INT(load(&cfg, "--database=", NULL, &err), CF_EINVAL);
    CF_CHECK_STR(err.msg, "database: value must not be empty (from flag "
                          "--database)");
    CF_CHECK_INT(load(&cfg, "--dev-project=a\tb", NULL, &err), CF_EINVAL);
    CF_CHECK(strstr(err.msg, "control character") != NULL);
    CF_CHECK_INT(load(&cfg, "--more-info-base=ftp://x", NULL, &err),
                 CF_EINVAL);
    CF_CHECK_INT(load(&cfg, "--more-info-base=https://", NULL, &err),
                 CF_EINVAL);
}

CF_TEST(config_unchanged_on_error)
{
    struct cf_config cfg, before;
    struct cf_err err;
    memset(&cfg, 0x5a, sizeof cfg);
    before = cfg;
    CF_CHECK_INT(load(&cfg, "--workers=2\n--region=xx", "CONFAB_WORKERS=3",
                      &err),
                 CF_EINVAL);
    CF_CHECK(memcmp(&cfg, &before, sizeof cfg) == 0);
    /* A NULL err is allowed. */
    {
        char a[] = "--workers=x", *argv[] = {a, NULL};
        CF_CHECK_INT(cf_config_load(&cfg, 1, argv, NULL, NULL), CF_EINVAL);
    }
}

CF_TEST(config_dump_roundtrip)
{
    struct cf_config a, b;
    struct cf_err err;
    char path[64], arg[128], da[8192], db[8192];
    CF_CHECK_INT(load(&a, "--listen=[::1]:9\n--workers=7\n"
                          "--dev-project= has # and spaces \n"
                          "--database=\"quoted\".db\n"
                          "--webhook-allow=10.0.0.0/8,::1\n"
                          "--log-level=crit",
                      NULL, &err),
                 0);
    dump_str(&a, da, sizeof da);
    CF_CHECK(strstr(da, "workers = 7\n") != NULL);
    CF_CHECK(strstr(da, "listen = [::1]:9\n") != NULL);
    CF_CHECK(strstr(da, "webhook_deny = \"\"\n") != NULL);
    CF_CHECK(strstr(da, "dev_project = \" has # and spaces \"\n") != NULL);
    CF_CHECK(strstr(da, "database = '\"quoted\".db'\n") != NULL);
    CF_CHECK_INT(write_tmp(path, sizeof path, da), 0);
    snprintf(arg, sizeof arg, "--config=%s", path);
    CF_CHECK_INT(load(&b, arg, NULL, &err), 0);
    CF_CHECK_STR(err.msg, "");
    dump_str(&b, db, sizeof db);
    CF_CHECK_STR(db, da);
    CF_CHECK_STR(b.dev_project, " has # and spaces ");
    CF_CHECK_STR(b.database, "\"quoted\".db");
    unlink(path);
}

CF_TEST(config_help)
{
    static char z[16384];
    FILE *f = tmpfile();
    CF_CHECK(f != NULL);
    if (!f) return;
    cf_config_help(f);
    slurp(f, z, sizeof z);
    CF_CHECK(strstr(z, "--webhook-allow CIDRS") != NULL);
    CF_CHECK(strstr(z, "CONFAB_WEBHOOK_ALLOW") != NULL);
    CF_CHECK(strstr(z, "--config PATH") != NULL);
    CF_CHECK(strstr(z, "default 127.0.0.1:8080") != NULL);
    CF_CHECK(strstr(z, "Range 0..256.") != NULL);
    CF_CHECK(strstr(z, "--durability MODE") != NULL);
    CF_CHECK(strstr(z, "One of: sim.") != NULL);
    CF_CHECK(strstr(z, "--sim-answer-delay-ms MS") != NULL);
}

/* Is line "# name = ..." with name a lower-case identifier? */
static int is_commented_setting(const char *line)
{
    const char *p = line + 2;
    if (strncmp(line, "# ", 2) != 0) return 0;
    if (!((*p >= 'a' && *p <= 'z') || *p == '_')) return 0;
    while ((*p >= 'a' && *p <= 'z') || *p == '_') p++;
    return strncmp(p, " = ", 3) == 0;
}

CF_TEST(config_example_in_sync)
{
    /* The example sits at <repo>/conf; __FILE__ is <repo>/tests/unit/... */
    char path[1024], line[1024], text[8192];
    const char *me = __FILE__, *tail = strstr(me, "tests/unit/test_config.c");
    struct cf_config defaults, cfg;
    struct cf_err err;
    size_t used = 0;
    int n = 0, total = 0;
    static char dd[8192], dc[8192];
    FILE *f;

    snprintf(path, sizeof path, "%.*sconf/confab.conf.example",
             tail ? (int)(tail - me) : 0, me);
    f = fopen(path, "r");
    CF_CHECK(f != NULL);
    if (!f) {
        fprintf(stderr, "  cannot open %s (run from the repository root)\n",
                path);
        return;
    }
    text[0] = '\0';
    while (fgets(line, sizeof line, f)) {
        const char *keep = is_commented_setting(line) ? line + 2 : "";
        size_t kl = strlen(keep);
        if (kl) n++;
        if (used + kl < sizeof text) {
            memcpy(text + used, keep, kl + 1);
            used += kl;
        }
    }
    fclose(f);

    CF_CHECK_INT(load(&defaults, NULL, NULL, &err), 0);
    /* Uncommented, the example must set every setting once, to its default
     * (a stale or duplicated name is a load error). */
    cfg = defaults;
    CF_CHECK_INT(cf_config_load_text(&cfg, path, text, used, &err), 0);
    CF_CHECK_STR(err.msg, "");
    dump_str(&defaults, dd, sizeof dd);
    dump_str(&cfg, dc, sizeof dc);
    CF_CHECK_STR(dc, dd);
    for (const char *p = dd; *p; p++)
        if (*p == '\n') total++;
    CF_CHECK_INT(n, total);

    /* As shipped (all comments), it loads and changes nothing. */
    {
        char arg[1100];
        snprintf(arg, sizeof arg, "--config=%s", path);
        CF_CHECK_INT(load(&cfg, arg, NULL, &err), 0);
        CF_CHECK(memcmp(&cfg, &defaults, sizeof cfg) == 0);
    }
}
