/* SPDX-License-Identifier: MIT
 *
 * cf_sched.c - thread names and the SCHED_BATCH hint (see cf_sched.h).
 */
#include "cf_sched.h"

#include <pthread.h>
#include <sched.h>

bool cf_sched_batch_self(bool batch)
{
#ifdef SCHED_BATCH
    struct sched_param sp = {0};
    return pthread_setschedparam(pthread_self(), batch ? SCHED_BATCH : SCHED_OTHER, &sp) == 0;
#else
    (void)batch;
    return false;
#endif
}

void cf_sched_name_self(const char *name)
{
    (void)pthread_setname_np(pthread_self(), name);
}
