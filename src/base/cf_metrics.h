/* SPDX-License-Identifier: MIT
 *
 * cf_metrics.h - the server's counters and latency histograms, written by
 * every thread with relaxed atomics and read by the Prometheus exposition
 * (GET /metrics). One struct cf_metrics is made by main and passed to the
 * modules that count; nothing here is global.
 */
#ifndef CF_METRICS_H
#define CF_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#include "cf_buf.h"

#define CF_METRICS_ROUTES 16   /* route ids 0..15 (cf_resource values, plus extras) */
#define CF_METRICS_BUCKETS 12

struct cf_metrics {
    /* requests by route and status class (1xx..5xx) */
    atomic_uint_fast64_t requests[CF_METRICS_ROUTES][6];
    atomic_uint_fast64_t latency[CF_METRICS_ROUTES][CF_METRICS_BUCKETS]; /* cumulative at render */
    atomic_uint_fast64_t latency_sum_us[CF_METRICS_ROUTES];
    atomic_uint_fast64_t deliveries_ok;
    atomic_uint_fast64_t deliveries_failed;   /* attempts that did not get a 2xx */
    atomic_uint_fast64_t deliveries_given_up;
    atomic_uint_fast64_t store_errors;
    atomic_uint_fast64_t rate_limited;
};

/* Upper bounds of the latency buckets, in seconds (the last is +Inf). */
extern const double cf_metrics_bucket_le[CF_METRICS_BUCKETS];

void cf_metrics_init(struct cf_metrics *m);
/* Counts one finished request; route < CF_METRICS_ROUTES, status 100..599. */
void cf_metrics_request(struct cf_metrics *m, int route, int status, int64_t us);
/* Names of route ids for the route label. */
typedef const char *(*cf_metrics_route_name_fn)(int route);
/* Appends the counters in Prometheus text format (version 0.0.4). */
int cf_metrics_render(const struct cf_metrics *m, cf_metrics_route_name_fn name, struct cf_buf *b);

#endif
