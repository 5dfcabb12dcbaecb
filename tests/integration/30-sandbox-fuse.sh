#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Sandbox lifecycle with the fuse-overlayfs storage driver (the default).
STORAGE=fuse-overlayfs
. "$(dirname "$0")/sandbox.inc"
