/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who box is to a registry, for the registry client (registry.c) alone: the user
 * and password found for one host in the credential files podman and docker write
 * (REGISTRY_AUTH_FILE, $XDG_RUNTIME_DIR/containers/auth.json, the config home's
 * containers/auth.json, ~/.docker/config.json, first found wins), whether the
 * registry asked for Basic auth, and the bearer tokens it handed out, one per
 * repository (at most REGISTRY_AUTH_TOKENS, the oldest slot reused), shared by
 * the client's threads under a mutex. The pure parsers it uses
 * (registry_parse_challenge, registry_auth_parse_buffer) are declared in
 * registry.h for the unit tests and fuzz targets. The token request itself is an
 * HTTP exchange and stays with the rest of them in registry.c.
 */
#ifndef BOX_REGISTRY_AUTH_H
#define BOX_REGISTRY_AUTH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define REGISTRY_AUTH_TOKENS 32

struct registry_auth {
	char *user, *password; /* NULL: no credentials for this host */
	pthread_mutex_t lock;  /* guards tokens and basic */
	struct {
		char *repo;
		char *value;
	} tokens[REGISTRY_AUTH_TOKENS];
	size_t n_tokens;
	bool basic; /* the registry asked for Basic auth */
};

/* The credentials stored for host (a registry or a mirror host, never another's). */
void registry_auth_init(struct registry_auth *a, const char *host);
void registry_auth_done(struct registry_auth *a);

/* The token for repo (a copy to free), or NULL. */
char *registry_auth_token(struct registry_auth *a, const char *repo);
void registry_auth_put_token(struct registry_auth *a, const char *repo, const char *value);
/* The token of a token service's answer ("token" or "access_token"); -EPROTO without. */
int registry_auth_token_from_json(const char *buf, size_t len, char **ret);

/* Send Basic credentials from now on (the registry's challenge asked for them). */
void registry_auth_use_basic(struct registry_auth *a);
/* Basic was asked for and there are credentials to send. */
bool registry_auth_basic(struct registry_auth *a);

#endif
