/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The desktop session's sockets in a sandbox: X11's socket dir, the Wayland,
 * PipeWire, PulseAudio and D-Bus sockets under XDG_RUNTIME_DIR, the ssh agent's
 * socket and gpg-agent's socket dir. They are bound at the start when they exist,
 * and again on every enter for the ones that appeared since (an X server started
 * after the sandbox, a new ssh login's agent): the entering session's own, taken
 * from the host's tree at /run/host. The host's CA bundle is copied into the
 * image's own location at each start, so corporate proxies work.
 */
#ifndef BOX_DESKTOP_H
#define BOX_DESKTOP_H

#include <stdbool.h>
#include <stddef.h>

struct desktop_socket {
	char *path; /* the same path on the host and inside */
	char *host; /* where it is on the host when that differs (BOX_X11_DIR), else NULL */
};

/*
 * The session's sockets from the environment (those that exist on the host only).
 * BOX_X11_DIR, when set, is the host's X11 socket dir (tests; default
 * /tmp/.X11-unix), still /tmp/.X11-unix inside.
 */
size_t desktop_sockets(struct desktop_socket **ret);
void desktop_sockets_free(struct desktop_socket *s, size_t n);
/*
 * In the sandbox's mount namespace with its root's capabilities (after joining):
 * bind each socket the sandbox does not see yet from /run/host. Best effort: a
 * socket that cannot be bound is left out, with a debug message.
 */
void desktop_attach(const struct desktop_socket *s, size_t n);

/* The host's CA bundle (NULL when it has none; not freed). */
const char *desktop_host_ca_bundle(void);
/*
 * Copy the host's CA bundle over the image's own (the first of the usual
 * locations the root at rootfd has) when they differ; 1 copied, 0 nothing to do.
 */
int desktop_update_ca(int rootfd);
/*
 * Whether the last desktop_update_ca() left the sandbox's bundle as it must be and
 * nothing it depends on changed since: the host's bundle, the image's layers and, in
 * the writable layer upper, what leads to the image's bundle (all read from the host,
 * no overlay). stamp is the file desktop_ca_stamp_write() wrote after that run.
 */
bool desktop_ca_current(const char *stamp, const char *upper, char *const *layers);
void desktop_ca_stamp_write(const char *stamp, const char *upper, char *const *layers);

#endif
