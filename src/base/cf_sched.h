/* SPDX-License-Identifier: MIT
 *
 * cf_sched.h - the server's threads: their names, and a scheduling hint for
 * the request and writer threads.
 *
 * A write request crosses two threads: an HTTP worker parses it and hands it
 * to the writer thread, which commits a batch and resumes the connections.
 * Under the default policy each hand-off wakes the other thread, which then
 * preempts the waker at once: on one core the two threads ping-pong, about
 * one context switch for every two requests, and the batches stay small.
 * SCHED_BATCH (Linux) turns off that wakeup preemption for the thread: a
 * woken thread waits until the running one blocks or ends its time slice,
 * so each side finishes its whole round (all the parsing, all the resumes)
 * first. The thread keeps its nice value and its share of the CPU.
 *
 * The checkpointer runs under it too, for the opposite reason: its work can
 * wait, and a woken request thread should not (cf_checkpoint.c).
 */
#ifndef CF_SCHED_H
#define CF_SCHED_H

#include <stdbool.h>

/* Puts the calling thread under SCHED_BATCH (batch) or back under the
 * default policy; a hint only: false where the system refuses or does not
 * have it. */
bool cf_sched_batch_self(bool batch);

/* Names the calling thread for top -H, ps -L, perf and gdb ("cf-writer");
 * a hint, like the above: a name over 15 bytes (the kernel's limit) is
 * refused and the thread keeps its old one. */
void cf_sched_name_self(const char *name);

#endif
