// SPDX-License-Identifier: Apache-2.0
#include "transport/ring_reader.h"

#include <bpf/libbpf.h>

#include <cerrno>

#include "util/error.h"

namespace pwru::transport {

RingReader::RingReader(int map_fd, Callback cb, void* ctx)
    : rb_(ring_buffer__new(map_fd, cb, ctx, nullptr)) {
  if (rb_ == nullptr) throw Error(sys_error("creating the ring buffer reader"));
}

RingReader::~RingReader() { ring_buffer__free(rb_); }

int RingReader::epoll_fd() const { return ring_buffer__epoll_fd(rb_); }

int RingReader::consume() { return ring_buffer__consume(rb_); }

}  // namespace pwru::transport
