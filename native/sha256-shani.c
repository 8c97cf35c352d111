/*
 * SHA-256 with the x86 SHA extensions (SHA-NI: SHA256RNDS2, SHA256MSG1, SHA256MSG2; Intel SDM
 * vol. 2, "Intel SHA Extensions"), chosen at load time by CPUID so one build runs on every
 * x86-64 CPU. Only these functions are compiled for the SHA and SSE4.1 instruction sets (target
 * attribute), so the rest of the addon stays baseline x86-64. Other architectures get no SHA-NI
 * and use the portable backend.
 *
 * Besides the compression, the backend has the sha256d operations of the hot paths (a merkle
 * node, a branch climb, the second hash of sha256d) written whole: the state stays in registers
 * from one compression to the next, a digest becomes the next block's message words without a
 * trip through memory (SHA-256's digest bytes read back as big-endian words are its state
 * words), and the padding block after exactly 64 bytes, whose message schedule is constant,
 * uses that schedule precomputed. Composed from three calls of the compression, a 12-level
 * branch took ~1.5x as long (docs/operations.md#native-sha-256 has the figures).
 */
#include "sha256.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>

#define SHANI __attribute__((target("sha,sse4.1")))
#define SHANI_INLINE __attribute__((target("sha,sse4.1"), always_inline)) static inline

/*
 * W[t] + K[t] for t = 0..63 of the padding block that follows exactly 64 message bytes: W[0] =
 * 0x80000000, W[1..14] = 0, W[15] = 512 (the bit length), W[16..63] by the message schedule
 * (FIPS 180-4 §6.2.2 step 1). The native tests compare every operation that uses it with the
 * JavaScript SHA-256 (test/bitcoin/native-sha256.test.ts).
 */
static const uint32_t PAD64_WK[64] __attribute__((aligned(16))) = {
  0xc28a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf374,
  0x649b69c1, 0xf0fe4786, 0x0fe1edc6, 0x240cf254, 0x4fe9346f, 0x6cc984be, 0x61b9411e, 0x16f988fa,
  0xf2c65152, 0xa88e5a6d, 0xb019fc65, 0xb9d99ec7, 0x9a1231c3, 0xe70eeaa0, 0xfdb1232b, 0xc7353eb0,
  0x3069bad5, 0xcb976d5f, 0x5a0f118f, 0xdc1eeefd, 0x0a35b689, 0xde0b7a04, 0x58f4ca9d, 0xe15d5b16,
  0x007f3e86, 0x37088980, 0xa507ea32, 0x6fab9537, 0x17406110, 0x0d8cd6f1, 0xcdaa3b6d, 0xc0bbbe37,
  0x83613bda, 0xdb48a363, 0x0b02e931, 0x6fd15ca7, 0x521afaca, 0x31338431, 0x6ed41a95, 0x6d437890,
  0xc39c91f2, 0x9eccabbd, 0xb5c9a0e6, 0x532fb63c, 0xd2c741c6, 0x07237ea3, 0xa4954b68, 0x4c191d76,
};

/* Byte-swap each 32-bit lane: big-endian message bytes to words, and state words to digest bytes. */
SHANI_INLINE __m128i bswap32(__m128i v) {
  return _mm_shuffle_epi8(v, _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL));
}

/*
 * SHA256RNDS2 keeps the state as two lane groups, ABEF and CDGH (high to low); words hold it as
 * A..D and E..H (lane 0 first), the order of the state array and of a digest's words.
 */
SHANI_INLINE void regs_from_words(__m128i dcba, __m128i hgfe, __m128i *abef, __m128i *cdgh) {
  __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
  __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
  *abef = _mm_alignr_epi8(cdab, efgh, 8);
  *cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
}

SHANI_INLINE void words_from_regs(__m128i abef, __m128i cdgh, __m128i *dcba, __m128i *hgfe) {
  __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
  __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
  *dcba = _mm_blend_epi16(feba, dchg, 0xF0);
  *hgfe = _mm_alignr_epi8(dchg, feba, 8);
}

/*
 * One block's 64 rounds on the message words w0..w3 (W[0..15], lane 0 first), added into the
 * state. 16 groups of four rounds: group g uses W[4g..4g+3] (held in w[g % 4]); while it runs,
 * group g + 4's words replace it: W[t] = W[t-16] + s0(W[t-15]) + W[t-7] + s1(W[t-2]) (FIPS
 * 180-4 §6.2.2 step 1), MSG1 adding the s0 terms, ALIGNR supplying W[t-7], MSG2 the s1 terms.
 */
SHANI_INLINE void block_rounds(__m128i *abef_io, __m128i *cdgh_io, __m128i w0, __m128i w1, __m128i w2, __m128i w3) {
  __m128i abef = *abef_io, cdgh = *cdgh_io;
  __m128i w[4] = { w0, w1, w2, w3 };
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
  *abef_io = _mm_add_epi32(abef, *abef_io);
  *cdgh_io = _mm_add_epi32(cdgh, *cdgh_io);
}

/* A block whose W[t] + K[t] are given whole (a constant block: PAD64_WK), added into the state. */
SHANI_INLINE void block_rounds_wk(__m128i *abef_io, __m128i *cdgh_io, const uint32_t wk_all[64]) {
  __m128i abef = *abef_io, cdgh = *cdgh_io;
#pragma GCC unroll 16
  for (int g = 0; g < 16; g++) {
    __m128i wk = _mm_load_si128((const __m128i *)&wk_all[4 * g]);
    cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
    abef = _mm_sha256rnds2_epu32(abef, cdgh, _mm_shuffle_epi32(wk, 0x0E));
  }
  *abef_io = _mm_add_epi32(abef, *abef_io);
  *cdgh_io = _mm_add_epi32(cdgh, *cdgh_io);
}

SHANI_INLINE void initial_regs(__m128i *abef, __m128i *cdgh) {
  regs_from_words(_mm_loadu_si128((const __m128i *)&SHA256_H0[0]), _mm_loadu_si128((const __m128i *)&SHA256_H0[4]), abef, cdgh);
}

/*
 * The second SHA-256 of sha256d, on a first digest given as words (d = A..D, h = E..H): one
 * block, the digest's 32 bytes then the padding (W[8] = 0x80000000, W[9..14] = 0, W[15] = 256).
 */
SHANI_INLINE void second_words(__m128i d, __m128i h, __m128i *rd, __m128i *rh) {
  __m128i abef, cdgh;
  initial_regs(&abef, &cdgh);
  block_rounds(&abef, &cdgh, d, h, _mm_set_epi32(0, 0, 0, (int)0x80000000), _mm_set_epi32(256, 0, 0, 0));
  words_from_regs(abef, cdgh, rd, rh);
}

/* sha256d of one 64-byte message given as words (m0..m3 = W[0..15]), as words. */
SHANI_INLINE void d64_words(__m128i m0, __m128i m1, __m128i m2, __m128i m3, __m128i *rd, __m128i *rh) {
  __m128i abef, cdgh, d, h;
  initial_regs(&abef, &cdgh);
  block_rounds(&abef, &cdgh, m0, m1, m2, m3);
  block_rounds_wk(&abef, &cdgh, PAD64_WK);
  words_from_regs(abef, cdgh, &d, &h);
  second_words(d, h, rd, rh);
}

SHANI_INLINE void store_digest(uint8_t out[32], __m128i d, __m128i h) {
  _mm_storeu_si128((__m128i *)out, bswap32(d));
  _mm_storeu_si128((__m128i *)(out + 16), bswap32(h));
}

SHANI static void compress_shani(uint32_t state[8], const uint8_t *blocks, size_t nblocks) {
  __m128i abef, cdgh, dcba, hgfe;
  regs_from_words(_mm_loadu_si128((const __m128i *)&state[0]), _mm_loadu_si128((const __m128i *)&state[4]), &abef, &cdgh);
  for (; nblocks > 0; nblocks--, blocks += 64) {
    block_rounds(&abef, &cdgh,
                 bswap32(_mm_loadu_si128((const __m128i *)blocks)), bswap32(_mm_loadu_si128((const __m128i *)(blocks + 16))),
                 bswap32(_mm_loadu_si128((const __m128i *)(blocks + 32))), bswap32(_mm_loadu_si128((const __m128i *)(blocks + 48))));
  }
  words_from_regs(abef, cdgh, &dcba, &hgfe);
  _mm_storeu_si128((__m128i *)&state[0], dcba);
  _mm_storeu_si128((__m128i *)&state[4], hgfe);
}

/* Every input is read into registers before `out` is written, so `out` may overlap it. */
SHANI static void sha256d_64_shani(const uint8_t *in, uint8_t out[32]) {
  __m128i d, h;
  d64_words(bswap32(_mm_loadu_si128((const __m128i *)in)), bswap32(_mm_loadu_si128((const __m128i *)(in + 16))),
            bswap32(_mm_loadu_si128((const __m128i *)(in + 32))), bswap32(_mm_loadu_si128((const __m128i *)(in + 48))), &d, &h);
  store_digest(out, d, h);
}

SHANI static void sha256d_branch_shani(const uint8_t leaf[32], const uint32_t *words, size_t levels, uint64_t index, uint8_t out[32]) {
  /* The running hash's words are W[0..7] and the level's 8 words W[8..15], or the other way
     round when the level's bit of `index` is 1 (the branch hash on the left). */
  __m128i d = bswap32(_mm_loadu_si128((const __m128i *)leaf));
  __m128i h = bswap32(_mm_loadu_si128((const __m128i *)(leaf + 16)));
  for (size_t level = 0; level < levels; level++, words += 8) {
    __m128i b0 = _mm_loadu_si128((const __m128i *)words), b1 = _mm_loadu_si128((const __m128i *)(words + 4));
    if (level < 64 && ((index >> level) & 1) != 0) d64_words(b0, b1, d, h, &d, &h);
    else d64_words(d, h, b0, b1, &d, &h);
  }
  store_digest(out, d, h);
}

SHANI static void second_hash_shani(const uint32_t first[8], uint8_t out[32]) {
  __m128i d, h;
  second_words(_mm_loadu_si128((const __m128i *)&first[0]), _mm_loadu_si128((const __m128i *)&first[4]), &d, &h);
  store_digest(out, d, h);
}

static const sha256_backend SHANI_BACKEND = {
  .compress = compress_shani,
  .sha256d_64 = sha256d_64_shani,
  .sha256d_branch = sha256d_branch_shani,
  .second_hash = second_hash_shani,
};

const sha256_backend *sha256_shani_backend(void) {
  unsigned a, b, c, d;
  /* CPUID leaf 1 ECX bit 19: SSE4.1 (ECX bit 9, SSSE3, for PSHUFB, comes with it). */
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & (1u << 19)) || !(c & (1u << 9))) return 0;
  /* CPUID leaf 7 subleaf 0 EBX bit 29: the SHA extensions. */
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d) || !(b & (1u << 29))) return 0;
  return &SHANI_BACKEND;
}

#else

const sha256_backend *sha256_shani_backend(void) { return 0; }

#endif
