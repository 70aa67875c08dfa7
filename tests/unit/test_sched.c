/* SPDX-License-Identifier: MIT
 *
 * test_sched.c - the SCHED_BATCH hint (src/base/cf_sched.c), on and off
 * again, takes effect on the calling thread only: it is run on a thread of
 * its own here, so the test runner's thread keeps its policy.
 */
#include <pthread.h>
#include <sched.h>

#include "../../src/base/cf_sched.h"
#include "cf_test.h"

static void *on_thread(void *arg)
{
    int *policy = arg;
    if (cf_sched_batch_self(true)) policy[0] = sched_getscheduler(0);
    if (cf_sched_batch_self(false)) policy[1] = sched_getscheduler(0);
    return NULL;
}

CF_TEST(sched_batch_applies_to_the_calling_thread)
{
    pthread_t t;
    int policy[2] = {-1, -1}, before = sched_getscheduler(0);
    CF_CHECK(pthread_create(&t, NULL, on_thread, policy) == 0);
    pthread_join(t, NULL);
    CF_CHECK_INT(policy[0], SCHED_BATCH);
    CF_CHECK_INT(policy[1], SCHED_OTHER); /* and back */
    CF_CHECK_INT(sched_getscheduler(0), before);
}
