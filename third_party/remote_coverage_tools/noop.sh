#!/bin/sh
# No-op stand-in for Bazel's coverage tools (see BUILD); coverage is unsupported offline.
echo "remote_coverage_tools: coverage is not supported in this offline build" >&2
exit 0
