/* SPDX-License-Identifier: MIT
 *
 * fuzz_config.c - cf_config_load_text: config-file text on top of the
 * built-in defaults (the file may come from an operator, a package or a
 * configuration-management template).
 *
 * Checks beyond memory safety (the promises of cf_config.h):
 *   - the result is 0 or CF_EINVAL; on failure the config is unchanged and
 *     err->msg says why;
 *   - every string of a loaded config is NUL-terminated within its field;
 *   - cf_config_dump of a loaded config is itself a valid config file that
 *     loads to a config with the same dump.
 */
#include "fuzz_common.h"

#include "../src/base/cf_err.h"
#include "../src/config/cf_config.h"

static struct cf_config defaults;

/* Dumps cfg into a malloc'ed string; *len gets its length. */
static char *dump(const struct cf_config *cfg, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    FUZZ_CHECK(f != NULL);
    cf_config_dump(cfg, f);
    FUZZ_CHECK(fclose(f) == 0);
    return text;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct cf_err err;
    (void)argc, (void)argv;
    FUZZ_CHECK(cf_config_load(&defaults, 0, NULL, NULL, &err) == 0);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_dup(data, size);
    struct cf_config cfg = defaults, again = defaults;
    struct cf_err err;
    int rc;

    memset(&err, 0, sizeof err);
    rc = cf_config_load_text(&cfg, "fuzz.conf", text, size, &err);
    FUZZ_CHECK(rc == 0 || rc == CF_EINVAL);
    if (rc) {
        FUZZ_CHECK(memcmp(&cfg, &defaults, sizeof cfg) == 0);
        FUZZ_CHECK(err.code == rc && err.msg[0] && memchr(err.msg, '\0', sizeof err.msg));
    } else {
        size_t n1, n2;
        char *d1, *d2;
        FUZZ_CHECK(memchr(cfg.listen, '\0', sizeof cfg.listen));
        FUZZ_CHECK(memchr(cfg.database, '\0', sizeof cfg.database));
        FUZZ_CHECK(memchr(cfg.more_info_base, '\0', sizeof cfg.more_info_base));
        FUZZ_CHECK(memchr(cfg.public_url, '\0', sizeof cfg.public_url));
        FUZZ_CHECK(memchr(cfg.recordings_dir, '\0', sizeof cfg.recordings_dir));
        d1 = dump(&cfg, &n1);
        rc = cf_config_load_text(&again, "dump", d1, n1, &err);
        if (rc) fprintf(stderr, "dump does not load: %s\n%s", err.msg, d1);
        FUZZ_CHECK(rc == 0);
        d2 = dump(&again, &n2);
        FUZZ_CHECK(n1 == n2 && memcmp(d1, d2, n1) == 0);
        free(d2);
        free(d1);
    }
    free(text);
    return 0;
}
