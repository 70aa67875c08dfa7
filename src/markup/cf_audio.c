/* SPDX-License-Identifier: MIT
 *
 * cf_audio.c - audio length from bytes (see cf_audio.h).
 */
#include "cf_audio.h"

#include <stdint.h>
#include <string.h>

#include "../base/cf_err.h"

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int wav_duration(const unsigned char *b, size_t len, double *seconds)
{
    size_t off = 12;
    uint32_t byte_rate = 0;
    if (len < 12 || memcmp(b, "RIFF", 4) != 0 || memcmp(b + 8, "WAVE", 4) != 0) return CF_EINVAL;
    while (off + 8 <= len) {
        uint32_t size = le32(b + off + 4);
        if (memcmp(b + off, "fmt ", 4) == 0 && size >= 16 && off + 8 + 16 <= len) {
            byte_rate = le32(b + off + 8 + 8);
        } else if (memcmp(b + off, "data", 4) == 0) {
            /* a streamed WAV may say 0 or 0xffffffff: then the rest of the file is data */
            uint64_t data = size;
            if (size == 0 || size == 0xffffffffu || size > len - off - 8) data = len - off - 8;
            if (!byte_rate) return CF_EINVAL;
            *seconds = (double)data / byte_rate;
            return 0;
        }
        if (size > len - off - 8) break;
        off += 8 + (size_t)size + (size & 1);
    }
    return CF_EINVAL;
}

/* MPEG-1/2/2.5 layer III frame header → frame bytes and samples. */
static int mp3_frame(const unsigned char *h, size_t *frame_len, int *samples, int *rate)
{
    static const int br1[16] = {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0};
    static const int br2[16] = {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0};
    static const int sr[3] = {44100, 48000, 32000};
    int ver, layer, bri, sri, pad, kbps, srate;
    if (h[0] != 0xff || (h[1] & 0xe0) != 0xe0) return CF_EINVAL;
    ver = (h[1] >> 3) & 3;   /* 0: 2.5, 2: 2, 3: 1 */
    layer = (h[1] >> 1) & 3; /* 1: layer III */
    bri = h[2] >> 4;
    sri = (h[2] >> 2) & 3;
    pad = (h[2] >> 1) & 1;
    if (ver == 1 || layer != 1 || bri == 0 || bri == 15 || sri == 3) return CF_EINVAL;
    kbps = ver == 3 ? br1[bri] : br2[bri];
    srate = sr[sri] / (ver == 3 ? 1 : ver == 2 ? 2 : 4);
    *samples = ver == 3 ? 1152 : 576;
    *frame_len = (size_t)((*samples / 8) * kbps * 1000 / srate + pad);
    *rate = srate;
    return *frame_len >= 4 ? 0 : CF_EINVAL;
}

static int mp3_duration(const unsigned char *b, size_t len, double *seconds)
{
    size_t off = 0;
    double total = 0;
    int frames = 0;
    if (len >= 10 && memcmp(b, "ID3", 3) == 0) {
        size_t tag = ((size_t)(b[6] & 0x7f) << 21) | ((size_t)(b[7] & 0x7f) << 14) |
                     ((size_t)(b[8] & 0x7f) << 7) | (size_t)(b[9] & 0x7f);
        off = 10 + tag;
    }
    while (off + 4 <= len) {
        size_t fl;
        int samples, rate;
        if (mp3_frame(b + off, &fl, &samples, &rate)) {
            if (frames) break; /* trailing tag or junk */
            off++;             /* look for the first frame */
            continue;
        }
        total += (double)samples / rate;
        frames++;
        off += fl;
    }
    if (!frames) return CF_EINVAL;
    *seconds = total;
    return 0;
}

int cf_audio_duration(const unsigned char *buf, size_t len, const char *content_type,
                      double *seconds)
{
    (void)content_type;
    if (wav_duration(buf, len, seconds) == 0) return 0;
    return mp3_duration(buf, len, seconds);
}
