// Tesseract's OpenMP regions run in the calling thread.
//
// Debian's Tesseract is built with OpenMP: each LSTM time step of every line it reads opens a
// parallel region (`#pragma omp parallel for num_threads(4)`, and `parallel sections`). keydesk
// runs one recogniser per core instead (batch --jobs, the worker pool), so a region's team is to
// be one thread. libgomp keeps a team of one all the same, and closing it ends in its team barrier,
// which wakes the team's waiters with a futex system call whether there are any or not: on 12
// submissions of the bench set that call and libgomp's bookkeeping took 9 % of the run (perf: 4 %
// in the kernel, 5 % in libgomp), an OMP_THREAD_LIMIT of 1 notwithstanding.
//
// The four entry points Tesseract calls (nm -D libtesseract.so.5: GOMP_parallel,
// GOMP_parallel_sections, GOMP_sections_next, GOMP_sections_end_nowait) are defined here, in the
// executable, and exported (ocr/CMakeLists.txt), so the dynamic linker binds Tesseract's calls to
// them before libgomp's. Each runs the region's body once, in this thread, as a team of one does:
// inside it libgomp has no team, so omp_get_num_threads() is 1 and omp_get_thread_num() 0, and a
// `parallel for`'s body takes the whole loop. A `parallel sections` body asks for its sections
// one by one (GOMP_sections_next: 1 … count, then 0); regions may nest, so the count is saved and
// restored about each, per thread.

namespace {

thread_local unsigned next_section = 0;
thread_local unsigned last_section = 0;

}  // namespace

extern "C" {

__attribute__((visibility("default"))) void GOMP_parallel(void (*body)(void*), void* data,
                                                          unsigned /*num_threads*/,
                                                          unsigned /*flags*/) {
  body(data);
}

__attribute__((visibility("default"))) void GOMP_parallel_sections(void (*body)(void*), void* data,
                                                                   unsigned /*num_threads*/,
                                                                   unsigned count,
                                                                   unsigned /*flags*/) {
  const unsigned outer_next = next_section, outer_last = last_section;
  next_section = 1;
  last_section = count;
  body(data);
  next_section = outer_next;
  last_section = outer_last;
}

__attribute__((visibility("default"))) unsigned GOMP_sections_next() {
  return next_section <= last_section ? next_section++ : 0;
}

__attribute__((visibility("default"))) void GOMP_sections_end_nowait() {}

}  // extern "C"
