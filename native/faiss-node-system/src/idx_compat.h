// faiss-node 0.5.1 is written against FAISS 1.7.4, where faiss::idx_t is a
// namespace-level typedef. Debian 12 ships FAISS 1.7.3, where it is only
// Index::idx_t. Force-included by binding.gyp so faiss.cc compiles unchanged.
#pragma once
#include <faiss/Index.h>
namespace faiss { using idx_t = Index::idx_t; }
