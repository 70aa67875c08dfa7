/* SPDX-License-Identifier: MIT
 *
 * cf_metrics.c - counters and their Prometheus text (see cf_metrics.h).
 */
#include "cf_metrics.h"

#include <string.h>

#include "cf_err.h"

const double cf_metrics_bucket_le[CF_METRICS_BUCKETS] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, -1 /* +Inf */
};

void cf_metrics_init(struct cf_metrics *m)
{
    memset(m, 0, sizeof *m);
}

void cf_metrics_request(struct cf_metrics *m, int route, int status, int64_t us)
{
    int cls = status / 100;
    double s = (double)us / 1e6;
    int b = 0;
    if (route < 0 || route >= CF_METRICS_ROUTES) route = 0;
    if (cls < 1 || cls > 5) cls = 5;
    atomic_fetch_add_explicit(&m->requests[route][cls], 1, memory_order_relaxed);
    while (b < CF_METRICS_BUCKETS - 1 && s > cf_metrics_bucket_le[b]) b++;
    atomic_fetch_add_explicit(&m->latency[route][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->latency_sum_us[route], (uint_fast64_t)(us > 0 ? us : 0),
                              memory_order_relaxed);
}

#define LOAD(x) ((unsigned long long)atomic_load_explicit(&(x), memory_order_relaxed))

int cf_metrics_render(const struct cf_metrics *m, cf_metrics_route_name_fn name, struct cf_buf *b)
{
    int rc = 0;
    rc |= cf_buf_puts(b, "# HELP confab_http_requests_total HTTP requests by route and status class.\n"
                         "# TYPE confab_http_requests_total counter\n");
    for (int r = 0; r < CF_METRICS_ROUTES; r++)
        for (int c = 1; c <= 5; c++)
            if (LOAD(m->requests[r][c]))
                rc |= cf_buf_printf(b, "confab_http_requests_total{route=\"%s\",status=\"%dxx\"} %llu\n",
                                    name(r), c, LOAD(m->requests[r][c]));
    rc |= cf_buf_puts(b, "# HELP confab_http_request_duration_seconds Time to answer a request.\n"
                         "# TYPE confab_http_request_duration_seconds histogram\n");
    for (int r = 0; r < CF_METRICS_ROUTES; r++) {
        unsigned long long cum = 0, total = 0;
        for (int k = 0; k < CF_METRICS_BUCKETS; k++) total += LOAD(m->latency[r][k]);
        if (!total) continue;
        for (int k = 0; k < CF_METRICS_BUCKETS; k++) {
            cum += LOAD(m->latency[r][k]);
            if (cf_metrics_bucket_le[k] < 0)
                rc |= cf_buf_printf(b, "confab_http_request_duration_seconds_bucket{route=\"%s\","
                                       "le=\"+Inf\"} %llu\n", name(r), cum);
            else
                rc |= cf_buf_printf(b, "confab_http_request_duration_seconds_bucket{route=\"%s\","
                                       "le=\"%g\"} %llu\n", name(r), cf_metrics_bucket_le[k], cum);
        }
        rc |= cf_buf_printf(b, "confab_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
                            name(r), (double)LOAD(m->latency_sum_us[r]) / 1e6);
        rc |= cf_buf_printf(b, "confab_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                            name(r), total);
    }
    rc |= cf_buf_printf(b,
                        "# HELP confab_webhook_deliveries_total Status callback attempts by outcome.\n"
                        "# TYPE confab_webhook_deliveries_total counter\n"
                        "confab_webhook_deliveries_total{outcome=\"delivered\"} %llu\n"
                        "confab_webhook_deliveries_total{outcome=\"failed_attempt\"} %llu\n"
                        "confab_webhook_deliveries_total{outcome=\"given_up\"} %llu\n"
                        "# HELP confab_store_errors_total Store failures seen by the API.\n"
                        "# TYPE confab_store_errors_total counter\n"
                        "confab_store_errors_total %llu\n"
                        "# HELP confab_rate_limited_total Requests refused with 429.\n"
                        "# TYPE confab_rate_limited_total counter\n"
                        "confab_rate_limited_total %llu\n",
                        LOAD(m->deliveries_ok), LOAD(m->deliveries_failed),
                        LOAD(m->deliveries_given_up), LOAD(m->store_errors), LOAD(m->rate_limited));
    return rc ? CF_ETOOBIG : 0;
}
