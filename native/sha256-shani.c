/*
 * SHA-256 compression with the x86 SHA extensions (SHA-NI: SHA256RNDS2, SHA256MSG1,
 * SHA256MSG2; Intel SDM vol. 2, "Intel SHA Extensions"), chosen at load time by CPUID so one
 * build runs on every x86-64 CPU. Only these functions are compiled for the SHA and SSE4.1
 * instruction sets (target attribute), so the rest of the addon stays baseline x86-64. Other
 * architectures get no SHA-NI and use the portable compression.
 */
#include "sha256.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>

#define SHANI __attribute__((target("sha,sse4.1")))

SHANI static void compress_shani(uint32_t state[8], const uint8_t *blocks, size_t nblocks) {
  /* Message words are big-endian: byte-swap each 32-bit lane on load. */
  const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  /* SHA256RNDS2 keeps the state as two lanes groups, ABEF and CDGH (high to low). */
  __m128i dcba = _mm_loadu_si128((const __m128i *)&state[0]);
  __m128i hgfe = _mm_loadu_si128((const __m128i *)&state[4]);
  __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
  __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
  __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
  __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);

  for (; nblocks > 0; nblocks--, blocks += 64) {
    const __m128i abef_in = abef, cdgh_in = cdgh;
    __m128i w[4];
    for (int i = 0; i < 4; i++) w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(blocks + 16 * i)), bswap);
    /*
     * 16 groups of four rounds. Group g uses W[4g..4g+3] (held in w[g % 4]); while it runs,
     * group g + 4's words replace it: W[t] = W[t-16] + s0(W[t-15]) + W[t-7] + s1(W[t-2])
     * (FIPS 180-4 §6.2.2 step 1), MSG1 adding the s0 terms, ALIGNR supplying W[t-7], MSG2 the s1 terms.
     */
#pragma GCC unroll 16
    for (int g = 0; g < 16; g++) {
      __m128i wk = _mm_add_epi32(w[g & 3], _mm_loadu_si128((const __m128i *)&SHA256_K[4 * g]));
      cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
      abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
      if (g < 12) {
        __m128i next = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
        next = _mm_add_epi32(next, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
        w[g & 3] = _mm_sha256msg2_epu32(next, w[(g + 3) & 3]);
      }
    }
    abef = _mm_add_epi32(abef, abef_in);
    cdgh = _mm_add_epi32(cdgh, cdgh_in);
  }

  __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, dchg, 0xF0));
  _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(dchg, feba, 8));
}

sha256_compress_fn sha256_shani_compress(void) {
  unsigned a, b, c, d;
  /* CPUID leaf 1 ECX bit 19: SSE4.1 (ECX bit 9, SSSE3, for PSHUFB, comes with it). */
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 19)) || !(c & (1u << 9))) return 0;
  /* CPUID leaf 7 subleaf 0 EBX bit 29: the SHA extensions. */
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 29))) return 0;
  return compress_shani;
}

#else

sha256_compress_fn sha256_shani_compress(void) { return 0; }

#endif
