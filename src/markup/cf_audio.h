/* SPDX-License-Identifier: MIT
 *
 * cf_audio.h - how long a piece of fetched audio lasts, from its bytes:
 * WAV (RIFF chunks: the data chunk's size over the fmt chunk's byte rate)
 * and MP3 (walks the MPEG audio frames, skipping an ID3v2 tag). Pure and
 * bounded: it only reads inside buf.
 */
#ifndef CF_AUDIO_H
#define CF_AUDIO_H

#include <stddef.h>

/* Returns 0 and *seconds, or CF_EINVAL when buf is not WAV or MP3 audio it
 * can measure. content_type (may be NULL) is a hint only. */
int cf_audio_duration(const unsigned char *buf, size_t len, const char *content_type,
                      double *seconds);

#endif
