// The system OpenSSL 3 for Swift, with real functions for the macros Swift cannot import.
// Keep this file to shims only: all logic lives in Swift (see ../../shared/OPENSSL-NOTES.md).
#ifndef LIANDONG_COPENSSL_H
#define LIANDONG_COPENSSL_H

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

// Stacks of certificates (sk_X509_* are macros / inline generics).
STACK_OF(X509) *liandong_sk_X509_new_null(void);
int liandong_sk_X509_push(STACK_OF(X509) *stack, X509 *cert);
int liandong_sk_X509_num(const STACK_OF(X509) *stack);
X509 *liandong_sk_X509_value(const STACK_OF(X509) *stack, int index);
/// Frees the stack and drops one reference on each certificate in it.
void liandong_sk_X509_pop_free(STACK_OF(X509) *stack);

// Subject alternative names.
int liandong_sk_GENERAL_NAME_num(const GENERAL_NAMES *names);
GENERAL_NAME *liandong_sk_GENERAL_NAME_value(const GENERAL_NAMES *names, int index);

// Name printing flags (composite macro).
unsigned long liandong_XN_FLAG_RFC2253(void);

// Memory BIOs and OpenSSL's allocator.
long liandong_BIO_get_mem_data(BIO *bio, char **data);
void liandong_OPENSSL_free(void *pointer);

// TLS settings that are macros.
long liandong_BIO_set_mem_eof_return(BIO *bio, long value);
long liandong_SSL_CTX_add1_chain_cert(SSL_CTX *ctx, X509 *cert);
int liandong_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version);
int liandong_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list);
int liandong_SSL_CTX_set1_sigalgs_list(SSL_CTX *ctx, const char *list);
int liandong_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version);
long liandong_SSL_CTX_set_mode(SSL_CTX *ctx, long mode);
uint64_t liandong_SSL_OP_NO_RENEGOTIATION(void);
uint64_t liandong_SSL_OP_IGNORE_UNEXPECTED_EOF(void);
/* A macro in OpenSSL: the server name (SNI) a client asks for. */
long liandong_SSL_set_tlsext_host_name(SSL *ssl, const char *name);

#endif
