/* SPDX-License-Identifier: MIT
 *
 * fuzz_audio.c - cf_audio_duration on fetched audio bytes (WAV chunks,
 * MP3 frames behind an optional ID3v2 tag).
 *
 * Checks beyond memory safety (the promises of cf_audio.h): the result is
 * 0 or CF_EINVAL; a measured length is finite and not negative; the
 * content type is only a hint, so every hint gives the same answer.
 */
#include "fuzz_common.h"

#include <math.h>

#include "../src/base/cf_err.h"
#include "../src/markup/cf_audio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const types[] = {"audio/wav", "audio/mpeg", "text/xml"};
    unsigned char *buf = (unsigned char *)fuzz_dup(data, size);
    double s0 = -1, s1 = -1;
    int rc0 = cf_audio_duration(buf, size, NULL, &s0);
    int rc1 = cf_audio_duration(buf, size, types[size % 3], &s1);
    FUZZ_CHECK(rc0 == 0 || rc0 == CF_EINVAL);
    FUZZ_CHECK(rc1 == rc0);
    if (rc0 == 0) {
        FUZZ_CHECK(isfinite(s0) && s0 >= 0);
        FUZZ_CHECK(s1 == s0);
    }
    free(buf);
    return 0;
}
