# The native SHA-256 addon (src/bitcoin/native-sha256.ts loads it; docs/operations.md
# "Native SHA-256"). Built by scripts/build-native.mjs during `npm install`; optional.
{
  "targets": [
    {
      "target_name": "p2pool_sha256",
      "sources": ["binding.c", "sha256.c", "sha256-shani.c"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra"],
      "xcode_settings": { "GCC_OPTIMIZATION_LEVEL": "3", "OTHER_CFLAGS": ["-std=c11"] },
      "msvs_settings": { "VCCLCompilerTool": { "Optimization": 2 } }
    }
  ]
}
