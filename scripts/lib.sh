# Shared by the scripts in this folder: where the repository and the built
# library are. Source it; it defines variables and functions only.

GREENSHIM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The preload library as Bazel builds it. bazel-bin follows whichever
# configuration was built last (asan, tsan...), so use the plain output tree.
GREENSHIM_LIBRARY="$GREENSHIM_ROOT/bazel-out/k8-fastbuild/bin/shim/libgreenshim.so"

# Builds the library (quietly) if it is missing or stale.
greenshim_build_library() {
  (cd "$GREENSHIM_ROOT" && bazel build --noshow_progress //shim:libgreenshim.so >/dev/null 2>&1) || {
    echo "greenrun: building //shim:libgreenshim.so failed; run: bazel build //shim:libgreenshim.so" >&2
    return 1
  }
}
