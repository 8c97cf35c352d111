/*
 * Portable SHA-256 compression (FIPS 180-4 §6.2.2) and the whole operations built on any
 * backend (see sha256.h): each uses the backend's own version of an operation when it has one,
 * else composes it from the backend's compression. Runs on every CPU and architecture.
 */
#include <string.h>

#include "sha256.h"

const uint32_t SHA256_H0[8] = {
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

const uint32_t SHA256_K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t rotr(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

static inline uint32_t load_be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

static inline void store_be64(uint8_t *p, uint64_t v) {
  store_be32(p, (uint32_t)(v >> 32));
  store_be32(p + 4, (uint32_t)v);
}

void sha256_compress_portable(uint32_t state[8], const uint8_t *blocks, size_t nblocks) {
  uint32_t w[64];
  for (; nblocks > 0; nblocks--, blocks += 64) {
    for (int i = 0; i < 16; i++) w[i] = load_be32(blocks + 4 * i);
    /* §6.2.2 step 1: the message schedule. */
    for (int i = 16; i < 64; i++) {
      uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
    uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
    /* Steps 2-4: 64 rounds, then add the block's result into the state. */
    for (int i = 0; i < 64; i++) {
      uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + SHA256_K[i] + w[i];
      uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g; g = f; f = e; e = d + t1;
      d = c; c = b; b = a; a = t1 + t2;
    }
    state[0] += a; state[1] += b; state[2] += c; state[3] += d;
    state[4] += e; state[5] += f; state[6] += g; state[7] += h;
  }
}

static void store_state(const uint32_t state[8], uint8_t out[32]) {
  for (int i = 0; i < 8; i++) store_be32(out + 4 * i, state[i]);
}

/*
 * Finish a message: compress the last `len` (< 64) buffered bytes with SHA-256's padding
 * (0x80, zeros, the 64-bit big-endian bit length; §5.1.1) into one or two blocks.
 */
static void finish(sha256_compress_fn f, uint32_t state[8], const uint8_t *last, size_t len, uint64_t total) {
  uint8_t pad[128];
  if (len > 0) memcpy(pad, last, len);
  pad[len] = 0x80;
  size_t blocks = len + 9 <= 64 ? 1 : 2;
  memset(pad + len + 1, 0, blocks * 64 - 8 - (len + 1));
  store_be64(pad + blocks * 64 - 8, total * 8);
  f(state, pad, blocks);
}

/* The second SHA-256 of sha256d: a 32-byte digest is a single padded block. */
static void second_hash(const sha256_backend *b, const uint32_t first[8], uint8_t out[32]) {
  if (b->second_hash != NULL) {
    b->second_hash(first, out);
    return;
  }
  sha256_compress_fn f = b->compress;
  uint8_t block[64];
  store_state(first, block);
  block[32] = 0x80;
  memset(block + 33, 0, 64 - 33 - 8);
  store_be64(block + 56, 256);
  uint32_t state[8];
  memcpy(state, SHA256_H0, sizeof state);
  f(state, block, 1);
  store_state(state, out);
}

/* The padding block after exactly 64 message bytes (length 512 bits). */
static const uint8_t PAD_AFTER_64[64] = { 0x80, [62] = 0x02, [63] = 0x00 };

void sha256d_64(const sha256_backend *b, const uint8_t *in, uint8_t out[32]) {
  if (b->sha256d_64 != NULL) {
    b->sha256d_64(in, out);
    return;
  }
  uint32_t state[8];
  memcpy(state, SHA256_H0, sizeof state);
  b->compress(state, in, 1);
  b->compress(state, PAD_AFTER_64, 1);
  second_hash(b, state, out);
}

void sha256d_branch(const sha256_backend *b, const uint8_t leaf[32], const uint32_t *words, size_t levels, uint64_t index, uint8_t out[32]) {
  if (b->sha256d_branch != NULL) {
    b->sha256d_branch(leaf, words, levels, index, out);
    return;
  }
  uint8_t node[64];
  uint8_t hash[32];
  memcpy(hash, leaf, 32);
  for (size_t level = 0; level < levels; level++) {
    /* The level's hash on the right when the bit is 0, on the left when it is 1. */
    int left = level < 64 && ((index >> level) & 1) != 0;
    uint8_t *mine = node + (left ? 32 : 0);
    uint8_t *theirs = node + (left ? 0 : 32);
    memcpy(mine, hash, 32);
    for (int i = 0; i < 8; i++) store_be32(theirs + 4 * i, words[level * 8 + i]);
    sha256d_64(b, node, hash);
  }
  memcpy(out, hash, 32);
}

static void sha256_state(const sha256_backend *b, const uint8_t *data, size_t len, uint32_t state[8]) {
  memcpy(state, SHA256_H0, 8 * sizeof state[0]);
  size_t whole = len / 64;
  if (whole > 0) b->compress(state, data, whole);
  finish(b->compress, state, data + whole * 64, len % 64, len);
}

void sha256_once(const sha256_backend *b, const uint8_t *data, size_t len, uint8_t out[32]) {
  uint32_t state[8];
  sha256_state(b, data, len, state);
  store_state(state, out);
}

void sha256d_once(const sha256_backend *b, const uint8_t *data, size_t len, uint8_t out[32]) {
  uint32_t state[8];
  sha256_state(b, data, len, state);
  second_hash(b, state, out);
}

void sha256d_resume(const sha256_backend *b, const uint32_t midstate[8], uint64_t done,
                    const uint8_t *tail, size_t tail_len, const uint8_t *suffix, size_t suffix_len,
                    uint8_t out[32]) {
  sha256_compress_fn f = b->compress;
  uint32_t state[8];
  memcpy(state, midstate, sizeof state);
  uint64_t total = done + tail_len + suffix_len;
  uint8_t buf[64];
  size_t used = 0;
  /* Stream tail then suffix through a one-block buffer, compressing each full block. */
  const uint8_t *parts[2] = { tail, suffix };
  size_t lens[2] = { tail_len, suffix_len };
  for (int p = 0; p < 2; p++) {
    const uint8_t *src = parts[p];
    size_t n = lens[p];
    if (used > 0 && n > 0) {
      size_t take = 64 - used < n ? 64 - used : n;
      memcpy(buf + used, src, take);
      used += take; src += take; n -= take;
      if (used == 64) { f(state, buf, 1); used = 0; }
    }
    if (n >= 64) {
      f(state, src, n / 64);
      src += n - n % 64;
      n %= 64;
    }
    if (n > 0) { memcpy(buf + used, src, n); used += n; }
  }
  finish(f, state, buf, used, total);
  second_hash(b, state, out);
}

const sha256_backend SHA256_PORTABLE = { sha256_compress_portable, NULL, NULL, NULL };
