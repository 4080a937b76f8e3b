// Real functions for OpenSSL macros (see COpenSSL.h). No logic here.
#include "COpenSSL.h"

STACK_OF(X509) *liandong_sk_X509_new_null(void) { return sk_X509_new_null(); }
int liandong_sk_X509_push(STACK_OF(X509) *stack, X509 *cert) { return sk_X509_push(stack, cert); }
int liandong_sk_X509_num(const STACK_OF(X509) *stack) { return sk_X509_num(stack); }
X509 *liandong_sk_X509_value(const STACK_OF(X509) *stack, int index) { return sk_X509_value(stack, index); }
void liandong_sk_X509_pop_free(STACK_OF(X509) *stack) { sk_X509_pop_free(stack, X509_free); }

int liandong_sk_GENERAL_NAME_num(const GENERAL_NAMES *names) { return sk_GENERAL_NAME_num(names); }
GENERAL_NAME *liandong_sk_GENERAL_NAME_value(const GENERAL_NAMES *names, int index) {
  return sk_GENERAL_NAME_value(names, index);
}

unsigned long liandong_XN_FLAG_RFC2253(void) { return XN_FLAG_RFC2253; }

long liandong_BIO_get_mem_data(BIO *bio, char **data) { return BIO_get_mem_data(bio, data); }
void liandong_OPENSSL_free(void *pointer) { OPENSSL_free(pointer); }

long liandong_BIO_set_mem_eof_return(BIO *bio, long value) { return BIO_set_mem_eof_return(bio, value); }
long liandong_SSL_CTX_add1_chain_cert(SSL_CTX *ctx, X509 *cert) { return SSL_CTX_add1_chain_cert(ctx, cert); }

int liandong_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
  return (int)SSL_CTX_set_min_proto_version(ctx, version);
}
int liandong_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
  return (int)SSL_CTX_set_max_proto_version(ctx, version);
}
long liandong_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
int liandong_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) {
  return (int)SSL_CTX_set1_groups_list(ctx, list);
}
int liandong_SSL_CTX_set1_sigalgs_list(SSL_CTX *ctx, const char *list) {
  return (int)SSL_CTX_set1_sigalgs_list(ctx, list);
}
uint64_t liandong_SSL_OP_NO_RENEGOTIATION(void) { return SSL_OP_NO_RENEGOTIATION; }
uint64_t liandong_SSL_OP_IGNORE_UNEXPECTED_EOF(void) { return SSL_OP_IGNORE_UNEXPECTED_EOF; }
long liandong_SSL_set_tlsext_host_name(SSL *ssl, const char *name) { return SSL_set_tlsext_host_name(ssl, name); }
