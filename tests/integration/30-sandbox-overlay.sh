#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Sandbox lifecycle with the kernel overlayfs storage driver (storage = overlay).
STORAGE=overlay
. "$(dirname "$0")/sandbox.inc"
