// SPDX-License-Identifier: Apache-2.0
// BPF ring buffer consumer. The caller waits on epoll_fd() (no polling
// loop: the kernel wakes it when data arrives) and then calls consume().
#pragma once

#include <cstddef>

struct ring_buffer;

namespace pwru::transport {

class RingReader {
 public:
  // Called per record; return 0 to go on, a negative value to stop.
  using Callback = int (*)(void* ctx, void* data, size_t size);

  RingReader(int map_fd, Callback cb, void* ctx);
  ~RingReader();
  RingReader(const RingReader&) = delete;
  RingReader& operator=(const RingReader&) = delete;

  // Readable when records are waiting.
  int epoll_fd() const;
  // Consumes every available record. Returns how many, or a negative error
  // (the callback's stop value included).
  int consume();

 private:
  ring_buffer* rb_;
};

}  // namespace pwru::transport
