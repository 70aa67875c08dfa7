/* SPDX-License-Identifier: MIT
 *
 * cf_ratelimit.c - token buckets per project (see cf_ratelimit.h).
 */
#include "cf_ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "../base/cf_id.h"
#include "../base/cf_mem.h"

#define SLOTS 4096
#define STRIPES 64

struct bucket {
    char project[CF_UUID_SIZE];
    double tokens;
    int64_t last_us;
};

struct cf_ratelimit {
    double rate, burst;
    pthread_mutex_t mu[STRIPES];
    struct bucket slots[SLOTS];
};

struct cf_ratelimit *cf_ratelimit_create(double rate, double burst)
{
    struct cf_ratelimit *rl = cf_calloc(1, sizeof *rl);
    rl->rate = rate;
    rl->burst = burst >= 1 ? burst : (rate > 1 ? rate : 1);
    for (int i = 0; i < STRIPES; i++) pthread_mutex_init(&rl->mu[i], NULL);
    return rl;
}

void cf_ratelimit_destroy(struct cf_ratelimit *rl)
{
    if (!rl) return;
    for (int i = 0; i < STRIPES; i++) pthread_mutex_destroy(&rl->mu[i]);
    cf_free(rl);
}

static unsigned hash(const char *z)
{
    unsigned h = 2166136261u;
    for (; *z; z++) h = (h ^ (unsigned char)*z) * 16777619u;
    return h;
}

bool cf_ratelimit_take(struct cf_ratelimit *rl, const char *project, int64_t now_us,
                       int *retry_after_s)
{
    unsigned slot;
    struct bucket *b;
    bool ok;
    if (!rl || rl->rate <= 0) return true;
    slot = hash(project) % SLOTS;
    b = &rl->slots[slot];
    pthread_mutex_lock(&rl->mu[slot % STRIPES]);
    if (strcmp(b->project, project) != 0) {
        /* first use of the slot (or a collision): start this project full */
        snprintf(b->project, sizeof b->project, "%s", project);
        b->tokens = rl->burst;
        b->last_us = now_us;
    }
    if (now_us > b->last_us) {
        b->tokens += (double)(now_us - b->last_us) / 1e6 * rl->rate;
        if (b->tokens > rl->burst) b->tokens = rl->burst;
        b->last_us = now_us;
    }
    ok = b->tokens >= 1.0;
    if (ok) {
        b->tokens -= 1.0;
    } else if (retry_after_s) {
        *retry_after_s = (int)ceil((1.0 - b->tokens) / rl->rate);
        if (*retry_after_s < 1) *retry_after_s = 1;
    }
    pthread_mutex_unlock(&rl->mu[slot % STRIPES]);
    return ok;
}
