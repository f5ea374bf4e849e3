// faiss-node 0.5.1's binding (MIT, see ../LICENSE), extended for the gallery: typed-array input (Float32Array vectors,
// BigInt64Array or number ids), add_with_ids and remove_ids for IndexIDMap2 / IVF indexes, HNSW efSearch and
// efConstruction and IVF nprobe, reconstruct, and search, bulk add, training and file reads/writes on the libuv thread pool (searchAsync,
// addWithIdsAsync, trainAsync, readAsync, writeAsync), all under one lock per index so it never changes mid-search. FAISS throws C++
// exceptions on bad input: every call into it is wrapped so they reach JS as errors instead of aborting the process.
#include <napi.h>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <vector>
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/index_io.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/io.h>
#include <faiss/index_factory.h>
#include <faiss/MetricType.h>
#include <faiss/impl/IDSelector.h>
#include <omp.h>
#include <malloc.h>
#include <faiss/invlists/InvertedLists.h>
#include "args.h"

using namespace Napi;
using idx_t = faiss::idx_t;

/** Reads FAISS's serialised form straight out of a JS Buffer, without copying it first. */
struct BufferIOReader : faiss::IOReader
{
  const uint8_t *data;
  size_t size, pos = 0;
  BufferIOReader(const uint8_t *d, size_t n) : data(d), size(n) {}
  size_t operator()(void *ptr, size_t unitsize, size_t nitems) override
  {
    if (unitsize == 0 || pos >= size) return 0;
    size_t n = std::min(nitems, (size - pos) / unitsize);
    memcpy(ptr, data + pos, n * unitsize);
    pos += n * unitsize;
    return n;
  }
};

/**
 * One OpenMP thread for the duration of a small call (a few queries or vectors, any removal). FAISS opens a parallel
 * region for these too, and on a busy machine waiting for the whole thread team costs milliseconds where the work
 * itself takes microseconds. Large adds, training and batched searches keep every thread.
 */
struct SmallCall
{
  int saved;
  explicit SmallCall(bool small) : saved(omp_get_max_threads())
  {
    if (small) omp_set_num_threads(1);
  }
  ~SmallCall() { omp_set_num_threads(saved); }
};
const idx_t SMALL_SEARCH = 16, SMALL_ADD = 4096;

/** The index under any IDMap wrappers: where HNSW and IVF parameters live. */
static faiss::Index *unwrap(faiss::Index *index)
{
  while (auto m = dynamic_cast<faiss::IndexIDMap *>(index)) index = m->index;
  return index;
}

static Napi::Object searchResult(Napi::Env env, const std::vector<float> &D, const std::vector<idx_t> &I)
{
  Napi::Array distances = Napi::Array::New(env, D.size());
  Napi::Array labels = Napi::Array::New(env, I.size());
  for (size_t i = 0; i < I.size(); i++)
  {
    distances[i] = Napi::Number::New(env, D[i]);
    labels[i] = Napi::Number::New(env, static_cast<double>(I[i]));
  }
  Napi::Object results = Napi::Object::New(env);
  results.Set("distances", distances);
  results.Set("labels", labels);
  return results;
}

/** Runs one search on the thread pool under the index's shared lock (writers take it exclusively). */
class SearchWorker : public Napi::AsyncWorker
{
public:
  SearchWorker(Napi::Env env, Napi::Object owner, faiss::Index *index, std::shared_ptr<std::shared_mutex> mu,
               std::vector<float> xq, idx_t nq, idx_t k)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), owner_(Napi::Persistent(owner)),
        index_(index), mu_(std::move(mu)), xq_(std::move(xq)), nq_(nq), k_(k), D_(nq * k), I_(nq * k) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override
  {
    std::shared_lock<std::shared_mutex> lock(*mu_);
    try
    {
      if (k_ > index_->ntotal) throw std::runtime_error("Invalid the number of k (cannot be given a value greater than `ntotal`: " + std::to_string(index_->ntotal) + ").");
      SmallCall threads(nq_ < SMALL_SEARCH);
      index_->search(nq_, xq_.data(), k_, D_.data(), I_.data());
    }
    catch (const std::exception &ex)
    {
      SetError(ex.what());
    }
  }
  void OnOK() override { deferred_.Resolve(searchResult(Env(), D_, I_)); }
  void OnError(const Napi::Error &e) override { deferred_.Reject(e.Value()); }

private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference owner_; // keeps the JS index (and so index_) alive while the search runs
  faiss::Index *index_;
  std::shared_ptr<std::shared_mutex> mu_;
  std::vector<float> xq_;
  idx_t nq_, k_;
  std::vector<float> D_;
  std::vector<idx_t> I_;
};

/** Runs a change (training, a bulk add) on the thread pool under the index's exclusive lock. */
class WriteWorker : public Napi::AsyncWorker
{
public:
  WriteWorker(Napi::Env env, Napi::Object owner, std::shared_ptr<std::shared_mutex> mu, std::function<void()> work)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), owner_(Napi::Persistent(owner)),
        mu_(std::move(mu)), work_(std::move(work)) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override
  {
    std::unique_lock<std::shared_mutex> lock(*mu_);
    try
    {
      work_();
    }
    catch (const std::exception &ex)
    {
      SetError(ex.what());
    }
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error &e) override { deferred_.Reject(e.Value()); }

private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference owner_;
  std::shared_ptr<std::shared_mutex> mu_;
  std::function<void()> work_;
};

/** Writes the index to a file on the thread pool under the shared lock: searches go on while it writes. */
class FileWriteWorker : public Napi::AsyncWorker
{
public:
  FileWriteWorker(Napi::Env env, Napi::Object owner, faiss::Index *index, std::shared_ptr<std::shared_mutex> mu, std::string fname)
      : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), owner_(Napi::Persistent(owner)), index_(index),
        mu_(std::move(mu)), fname_(std::move(fname)) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override
  {
    std::shared_lock<std::shared_mutex> lock(*mu_);
    try
    {
      faiss::write_index(index_, fname_.c_str());
    }
    catch (const std::exception &ex)
    {
      SetError(ex.what());
    }
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error &e) override { deferred_.Reject(e.Value()); }

private:
  Napi::Promise::Deferred deferred_;
  Napi::ObjectReference owner_;
  faiss::Index *index_;
  std::shared_ptr<std::shared_mutex> mu_;
  std::string fname_;
};

/** Reads an index file on the thread pool; the JS object is made back on the main thread. */
template <class T>
class FileReadWorker : public Napi::AsyncWorker
{
public:
  FileReadWorker(Napi::Env env, std::string fname) : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), fname_(std::move(fname)) {}

  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override
  {
    try
    {
      read_.reset(faiss::read_index(fname_.c_str()));
    }
    catch (const std::exception &ex)
    {
      SetError(ex.what());
    }
  }
  void OnOK() override { deferred_.Resolve(T::adopt(Env(), std::move(read_))); }
  void OnError(const Napi::Error &e) override { deferred_.Reject(e.Value()); }

private:
  Napi::Promise::Deferred deferred_;
  std::string fname_;
  std::unique_ptr<faiss::Index> read_;
};

template <class T, typename Y>
class IndexBase : public Napi::ObjectWrap<T>
{
public:
  IndexBase(const Napi::CallbackInfo &info) : Napi::ObjectWrap<T>(info)
  {
    if (info.Length() > 0 && info[0].IsNumber())
    {
      auto n = info[0].As<Napi::Number>().Uint32Value();
      index_ = std::unique_ptr<Y>(new Y(n));
    }
  }

  static Napi::Value read(const Napi::CallbackInfo &info)
  {
    Napi::Env env = info.Env();
    if (!expect(info, 1)) return env.Undefined();
    if (!info[0].IsString())
    {
      Napi::TypeError::New(env, "Invalid the first argument type, must be a string.").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Object instance = T::constructor->New({});
    T *index = Napi::ObjectWrap<T>::Unwrap(instance);
    std::string fname = info[0].As<Napi::String>().Utf8Value();
    try
    {
      index->index_ = std::unique_ptr<faiss::Index>(faiss::read_index(fname.c_str()));
    }
    catch (const std::exception &ex)
    {
      Napi::Error::New(env, ex.what()).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    return instance;
  }

  static Napi::Value fromBuffer(const Napi::CallbackInfo &info)
  {
    Napi::Env env = info.Env();
    if (!expect(info, 1)) return env.Undefined();
    if (!info[0].IsBuffer())
    {
      Napi::TypeError::New(env, "Invalid the first argument type, must be a buffer.").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    Napi::Object instance = T::constructor->New({});
    T *index = Napi::ObjectWrap<T>::Unwrap(instance);
    auto buffer = info[0].As<Napi::Buffer<uint8_t>>();
    BufferIOReader reader(buffer.Data(), buffer.Length());
    try
    {
      index->index_ = std::unique_ptr<faiss::Index>(faiss::read_index(&reader));
    }
    catch (const std::exception &ex)
    {
      Napi::Error::New(env, ex.what()).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    return instance;
  }

  /** Wraps an index read off the main thread in a new JS object. */
  static Napi::Value adopt(Napi::Env env, std::unique_ptr<faiss::Index> read)
  {
    Napi::Object instance = T::constructor->New({});
    Napi::ObjectWrap<T>::Unwrap(instance)->index_ = std::move(read);
    return instance;
  }

  /** readAsync(fname): read() on the libuv thread pool; a Promise of the index. */
  static Napi::Value readAsync(const Napi::CallbackInfo &info)
  {
    Napi::Env env = info.Env();
    if (!expect(info, 1)) return env.Undefined();
    if (!info[0].IsString())
    {
      Napi::TypeError::New(env, "Invalid the first argument type, must be a string.").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    auto *worker = new FileReadWorker<T>(env, info[0].As<Napi::String>().Utf8Value());
    auto promise = worker->promise();
    worker->Queue();
    return promise;
  }

  /** writeAsync(fname): write() on the libuv thread pool under the shared lock; a Promise. */
  Napi::Value writeAsync(const Napi::CallbackInfo &info)
  {
    Napi::Env env = info.Env();
    if (!expect(info, 1)) return env.Undefined();
    if (!info[0].IsString())
    {
      Napi::TypeError::New(env, "Invalid the first argument type, must be a string.").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    auto *worker = new FileWriteWorker(env, info.This().As<Napi::Object>(), index_.get(), mu_, info[0].As<Napi::String>().Utf8Value());
    auto promise = worker->promise();
    worker->Queue();
    return promise;
  }

  static Napi::Value fromFactory(const Napi::CallbackInfo &info)
  {
    Napi::Env env = info.Env();
    if (info.Length() < 2)
    {
      Napi::Error::New(env, "Expected 2 or 3 arguments, but got " + std::to_string(info.Length()) + ".").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (!info[0].IsNumber())
    {
      Napi::TypeError::New(env, "Invalid the first argument type, must be a number.").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    if (!info[1].IsString())
    {
      Napi::TypeError::New(env, "Invalid the second argument type, must be a string.").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    auto metric = faiss::MetricType::METRIC_L2;
    if (info.Length() > 2 && info[2].IsNumber()) metric = static_cast<faiss::MetricType>(info[2].As<Napi::Number>().Uint32Value());
    Napi::Object instance = T::constructor->New({});
    T *index = Napi::ObjectWrap<T>::Unwrap(instance);
    const uint32_t d = info[0].As<Napi::Number>().Uint32Value();
    std::string description = info[1].As<Napi::String>().Utf8Value();
    try
    {
      index->index_ = std::unique_ptr<faiss::Index>(faiss::index_factory(d, description.c_str(), metric));
    }
    catch (const std::exception &ex)
    {
      Napi::Error::New(env, ex.what()).ThrowAsJavaScriptException();
      return env.Undefined();
    }
    return instance;
  }

  Napi::Value isTrained(const Napi::CallbackInfo &info)
  {
    return Napi::Boolean::New(info.Env(), index_->is_trained);
  }

  Napi::Value add(const Napi::CallbackInfo &info)
  {
    Napi::Env env = info.Env();
    if (!expect(info, 1)) return env.Undefined();
    return guarded(env, [&] {
      auto x = args::floats(info[0], index_->d, "first");
      std::unique_lock<std::shared_mutex> lock(*mu_);
      SmallCall threads(idx_t(x.length / index_->d) < SMALL_ADD);
      index_->add(x.length / index_->d, x.data);
      return env.Undefined();
    });
  }

  /** addWithIds(x, ids): vectors with caller-chosen 64-bit ids (IndexIDMap/IDMap2, IVF). */
  Napi::Value addWithIds(const Napi::CallbackInfo &info)
  {
    Napi::Env env = info.Env();
    if (!expect(info, 2)) return env.Undefined();
    return guarded(env, [&] {
      auto x = args::floats(info[0], index_->d, "first");
      auto ids = args::ids(info[1], "second");
      size_t n = x.length / index_->d;
      if (ids.size() != n) throw args::ArgError{"Expected one id per vector: " + std::to_string(n) + " vectors, " + std::to_string(ids.size()) + " ids.", false};
      std::unique_lock<std::shared_mutex> lock(*mu_);
      SmallCall threads(idx_t(n) < SMALL_ADD);
      index_->add_with_ids(n, x.data, ids.data());
      return env.Undefined();
    });
  }

  /** addWithIdsAsync(x, ids): addWithIds on the thread pool (inputs copied); a Promise. */
  Napi::Value addWithIdsAsync(const Napi::CallbackInfo &info)
  {
    Napi::Env env = info.Env();
    if (!expect(info, 2)) return env.Undefined();
    return guarded(env, [&] {
      auto x = args::floats(info[0], index_->d, "first");
      auto ids = args::ids(info[1], "second");
      idx_t n = x.length / index_->d;
      if (ids.size() != size_t(n)) throw args::ArgError{"Expected one id per vector: " + std::to_string(n) + " vectors, " + std::to_string(ids.size()) + " ids.", false};
      faiss::Index *index = index_.get();
      auto data = std::make_shared<std::vector<float>>(args::copy(x));
      auto labels = std::make_shared<std::vector<idx_t>>(std::move(ids));
      auto *worker = new WriteWorker(env, info.This().As<Napi::Object>(), mu_, [index, n, data, labels] {
        SmallCall threads(n < SMALL_ADD);
        index->add_with_ids(n, data->data(), labels->data());
      });
      auto promise = worker->promise();
      worker->Queue();
      return Napi::Value(promise);
    });
  }

  /** trainAsync(x): train on the thread pool (input copied); a Promise. */
  Napi::Value trainAsync(const Napi::CallbackInfo &info)
  {
    Napi::Env env = info.Env();
    if (!expect(info, 1)) return env.Undefined();
    return guarded(env, [&] {
      auto x = args::floats(info[0], index_->d, "first");
      idx_t n = x.length / index_->d;
      faiss::Index *index = index_.get();
      auto data = std::make_shared<std::vector<float>>(args::copy(x));
      auto *worker = new WriteWorker(env, info.This().As<Napi::Object>(), mu_, [index, n, data] { index->train(n, data->data()); });
      auto promise = worker->promise();
      worker->Queue();
      return Napi::Value(promise);
    });
  }

  Napi::Value train(const Napi::CallbackInfo &info)
  {
    Napi::Env env = info.Env();
    if (!expect(info, 1)) return env.Undefined();
    return guarded(env, [&] {
      auto x = args::floats(info[0], index_->d, "first");
      std::unique_lock<std::shared_mutex> lock(*mu_);
      index_->train(x.length / index_->d, x.data);
      return env.Undefined();
    });
  }

  Napi::Value search(const Napi::CallbackInfo &info)
  {
    Napi::Env env = info.Env();
    idx_t k = 0;
    if (!searchArgs(info, k)) return env.Undefined();
    return guarded(env, [&] {
      auto x = args::floats(info[0], index_->d, "first");
      idx_t nq = x.length / index_->d;
      std::vector<float> D(nq * k);
      std::vector<idx_t> I(nq * k);
      {
        std::shared_lock<std::shared_mutex> lock(*mu_);
        SmallCall threads(nq < SMALL_SEARCH);
        index_->search(nq, x.data, k, D.data(), I.data());
      }
      return Napi::Value(searchResult(env, D, I));
    });
  }

  /** searchAsync(x, k): the same search on the libuv thread pool; a Promise of the same result. */
  Napi::Value searchAsync(const Napi::CallbackInfo &info)
  {
    Napi::Env env = info.Env();
    idx_t k = 0;
    if (!searchArgs(info, k)) return env.Undefined();
    return guarded(env, [&] {
      auto x = args::floats(info[0], index_->d, "first");
      idx_t nq = x.length / index_->d;
      auto *worker = new SearchWorker(env, info.This().As<Napi::Object>(), index_.get(), mu_, args::copy(x), nq, k);
      auto promise = worker->promise();
      worker->Queue();
      return Napi::Value(promise);
    });
  }

  Napi::Value ntotal(const Napi::CallbackInfo &info)
  {
    return Napi::Number::New(info.Env(), index_->ntotal);
  }

  Napi::Value getDimension(const Napi::CallbackInfo &info)
  {
    return Napi::Number::New(info.Env(), index_->d);
  }

  Napi::Value write(const Napi::CallbackInfo &info)
  {
    Napi::Env env = info.Env();
    if (!expect(info, 1)) return env.Undefined();
    if (!info[0].IsString())
    {
      Napi::TypeError::New(env, "Invalid the first argument type, must be a string.").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    const std::string fname = info[0].As<Napi::String>().Utf8Value();
    return guarded(env, [&] {
      std::shared_lock<std::shared_mutex> lock(*mu_);
      faiss::write_index(index_.get(), fname.c_str());
      return env.Undefined();
    });
  }

  Napi::Value mergeFrom(const Napi::CallbackInfo &info)
  {
    Napi::Env env = info.Env();
    if (!expect(info, 1)) return env.Undefined();
    if (!info[0].IsObject())
    {
      Napi::TypeError::New(env, "Invalid argument type, must be an object.").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    T *other = Napi::ObjectWrap<T>::Unwrap(info[0].As<Napi::Object>());
    if (other->index_->d != index_->d)
    {
      Napi::Error::New(env, "The merging index must have the same dimension.").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    return guarded(env, [&] {
      std::unique_lock<std::shared_mutex> lock(*mu_);
      index_->merge_from(*(other->index_));
      return env.Undefined();
    });
  }

  /** removeIds(ids): number removed. Flat, IDMap2 over a flat index and IVF support it; HNSW does not (an error). */
  Napi::Value removeIds(const Napi::CallbackInfo &info)
  {
    Napi::Env env = info.Env();
    if (!expect(info, 1)) return env.Undefined();
    return guarded(env, [&] {
      auto ids = args::ids(info[0], "first");
      std::unique_lock<std::shared_mutex> lock(*mu_);
      SmallCall threads(true);
      // IDSelectorBatch: a hash set, so removing m ids from n is O(n + m), not O(n * m).
      size_t num = index_->remove_ids(faiss::IDSelectorBatch(ids.size(), ids.data()));
      return Napi::Value(Napi::Number::New(env, num));
    });
  }

  /** reconstruct(id): the stored vector as a Float32Array (IndexIDMap2 and flat indexes). */
  Napi::Value reconstruct(const Napi::CallbackInfo &info)
  {
    Napi::Env env = info.Env();
    if (!expect(info, 1)) return env.Undefined();
    return guarded(env, [&] {
      auto ids = args::ids(Napi::Array::New(env, 0), "first");
      if (info[0].IsBigInt()) ids.push_back(info[0].As<Napi::BigInt>().Int64Value(nullptr));
      else if (info[0].IsNumber()) ids.push_back(args::integer(info[0].As<Napi::Number>().DoubleValue(), 0));
      else throw args::ArgError{"Invalid the first argument type, must be a number or a bigint.", true};
      auto out = Napi::Float32Array::New(env, index_->d);
      std::shared_lock<std::shared_mutex> lock(*mu_);
      index_->reconstruct(ids[0], out.Data());
      return Napi::Value(out);
    });
  }

  /** setEfSearch(n): HNSW search breadth (recall against speed). */
  Napi::Value setEfSearch(const Napi::CallbackInfo &info)
  {
    return setParam(info, "an HNSW", [](faiss::Index *ix, int v) {
      auto h = dynamic_cast<faiss::IndexHNSW *>(ix);
      if (h) h->hnsw.efSearch = v;
      return h != nullptr;
    });
  }

  /** setEfConstruction(n): HNSW build breadth; applies to vectors added afterwards. */
  Napi::Value setEfConstruction(const Napi::CallbackInfo &info)
  {
    return setParam(info, "an HNSW", [](faiss::Index *ix, int v) {
      auto h = dynamic_cast<faiss::IndexHNSW *>(ix);
      if (h) h->hnsw.efConstruction = v;
      return h != nullptr;
    });
  }

  /** setNprobe(n): IVF lists visited per query. */
  Napi::Value setNprobe(const Napi::CallbackInfo &info)
  {
    return setParam(info, "an IVF", [](faiss::Index *ix, int v) {
      auto f = dynamic_cast<faiss::IndexIVF *>(ix);
      if (f) f->nprobe = v;
      return f != nullptr;
    });
  }

  /** Entries a compacted IVF list of `entries` keeps free: an eighth, at least 16. */
  static size_t room(size_t entries) { return std::max<size_t>(16, entries / 8); }

  /**
   * Gives an IVF list vector (`unit` elements an entry) the room of room(entries): shrinks one that doubled, and makes
   * room in one that happened to be full. One with between half and all of that room free is left as it is, so
   * compacting again after a few adds copies nothing. Returns the elements given back (negative where room was added).
   */
  template <typename E>
  static double trimTo(std::vector<E> &v, size_t entries, size_t unit)
  {
    size_t free = (v.capacity() - v.size()) / unit, want = room(entries);
    if (free <= want && free >= want / 2) return 0;
    size_t keep = (entries + want) * unit;
    double given = double(v.capacity()) - double(keep);
    std::vector<E> t;
    t.reserve(keep);
    t.assign(v.begin(), v.end());
    v.swap(t);
    return given;
  }

  /**
   * compact([from, to]): gives back memory held but unused after a build: IVF lists grow by doubling (up to 2x their
   * content), and the C allocator keeps freed pages. Returns the bytes the IVF lists shrank by. Each list keeps 1/8
   * free: shrunk to fit, the next add to a list copied all of it (at 1M faces, 16-95 ms for 10 faces, every enrolment;
   * issue 19). With `from` and `to`, only lists [from, to) are compacted, and the allocator is trimmed only once `to`
   * reaches the last list: the caller compacts a large index a slice at a time, giving the event loop turns between
   * slices (at 1M faces the whole pass copies over a gigabyte). It runs on the calling thread on purpose: lists
   * reallocated on pool threads land in glibc's per-thread arenas, which the adds on the main thread then fragment.
   */
  Napi::Value compact(const Napi::CallbackInfo &info)
  {
    Napi::Env env = info.Env();
    double saved = 0;
    bool last = true;
    {
      std::unique_lock<std::shared_mutex> lock(*mu_);
      if (auto f = dynamic_cast<faiss::IndexIVF *>(unwrap(index_.get())))
      {
        if (auto lists = dynamic_cast<faiss::ArrayInvertedLists *>(f->invlists))
        {
          size_t from = 0, to = lists->nlist;
          if (info.Length() >= 2)
          {
            if (!info[0].IsNumber() || !info[1].IsNumber())
            {
              Napi::TypeError::New(env, "compact(from, to): two list numbers expected.").ThrowAsJavaScriptException();
              return env.Undefined();
            }
            double a = info[0].As<Napi::Number>().DoubleValue(), b = info[1].As<Napi::Number>().DoubleValue();
            if (!(a >= 0)) a = 0; // NaN too
            if (!(b >= 0)) b = 0;
            from = size_t(std::clamp(a, 0.0, double(lists->nlist)));
            to = size_t(std::clamp(b, double(from), double(lists->nlist)));
          }
          last = to >= lists->nlist;
          for (size_t i = from; i < to; i++)
          {
            size_t entries = lists->ids[i].size();
            saved += trimTo(lists->codes[i], entries, lists->code_size);
            saved += trimTo(lists->ids[i], entries, 1) * sizeof(idx_t);
          }
        }
      }
    }
    if (last) malloc_trim(0);
    return Napi::Number::New(env, saved);
  }

  /** describe(): what the index is and its search parameters, for logs and /health. */
  Napi::Value describe(const Napi::CallbackInfo &info)
  {
    Napi::Env env = info.Env();
    auto o = Napi::Object::New(env);
    std::shared_lock<std::shared_mutex> lock(*mu_);
    faiss::Index *inner = unwrap(index_.get());
    o.Set("idMap", Napi::Boolean::New(env, inner != index_.get()));
    o.Set("ntotal", Napi::Number::New(env, index_->ntotal));
    o.Set("dims", Napi::Number::New(env, index_->d));
    o.Set("metric", Napi::Number::New(env, index_->metric_type));
    o.Set("isTrained", Napi::Boolean::New(env, index_->is_trained));
    if (auto h = dynamic_cast<faiss::IndexHNSW *>(inner))
    {
      o.Set("kind", "hnsw");
      o.Set("M", Napi::Number::New(env, h->hnsw.nb_neighbors(1)));
      o.Set("efSearch", Napi::Number::New(env, h->hnsw.efSearch));
      o.Set("efConstruction", Napi::Number::New(env, h->hnsw.efConstruction));
    }
    else if (auto f = dynamic_cast<faiss::IndexIVF *>(inner))
    {
      o.Set("kind", "ivf");
      o.Set("nlist", Napi::Number::New(env, f->nlist));
      o.Set("nprobe", Napi::Number::New(env, f->nprobe));
      // 1 when every list holds as many vectors; a query's cost grows with the lists it lands in.
      o.Set("imbalance", Napi::Number::New(env, f->invlists->imbalance_factor()));
    }
    else if (dynamic_cast<faiss::IndexFlat *>(inner))
      o.Set("kind", "flat");
    else
      o.Set("kind", "other");
    return o;
  }

  Napi::Value toBuffer(const Napi::CallbackInfo &info)
  {
    Napi::Env env = info.Env();
    if (!expect(info, 0)) return env.Undefined();
    return guarded(env, [&] {
      faiss::VectorIOWriter writer;
      {
        std::shared_lock<std::shared_mutex> lock(*mu_);
        faiss::write_index(index_.get(), &writer);
      }
      return Napi::Value(Napi::Buffer<uint8_t>::Copy(env, writer.data.data(), writer.data.size()));
    });
  }

  /** The instance methods every index class exposes. */
  static std::vector<Napi::ClassPropertyDescriptor<T>> methods()
  {
    using W = Napi::ObjectWrap<T>;
    return {
        W::InstanceMethod("ntotal", &T::ntotal),
        W::InstanceMethod("getDimension", &T::getDimension),
        W::InstanceMethod("isTrained", &T::isTrained),
        W::InstanceMethod("add", &T::add),
        W::InstanceMethod("addWithIds", &T::addWithIds),
        W::InstanceMethod("train", &T::train),
        W::InstanceMethod("trainAsync", &T::trainAsync),
        W::InstanceMethod("addWithIdsAsync", &T::addWithIdsAsync),
        W::InstanceMethod("search", &T::search),
        W::InstanceMethod("searchAsync", &T::searchAsync),
        W::InstanceMethod("write", &T::write),
        W::InstanceMethod("writeAsync", &T::writeAsync),
        W::InstanceMethod("mergeFrom", &T::mergeFrom),
        W::InstanceMethod("removeIds", &T::removeIds),
        W::InstanceMethod("reconstruct", &T::reconstruct),
        W::InstanceMethod("setEfSearch", &T::setEfSearch),
        W::InstanceMethod("setEfConstruction", &T::setEfConstruction),
        W::InstanceMethod("setNprobe", &T::setNprobe),
        W::InstanceMethod("describe", &T::describe),
        W::InstanceMethod("compact", &T::compact),
        W::InstanceMethod("toBuffer", &T::toBuffer),
        W::StaticMethod("read", &T::read),
        W::StaticMethod("readAsync", &T::readAsync),
        W::StaticMethod("fromBuffer", &T::fromBuffer),
        W::StaticMethod("fromFactory", &T::fromFactory),
    };
  }

protected:
  std::unique_ptr<faiss::Index> index_;
  // Shared by async searches (readers) and every mutation (writers): FAISS indexes are not safe to change mid-search.
  std::shared_ptr<std::shared_mutex> mu_ = std::make_shared<std::shared_mutex>();
  inline static Napi::FunctionReference *constructor;

  static bool expect(const Napi::CallbackInfo &info, size_t n)
  {
    if (info.Length() == n) return true;
    Napi::Error::New(info.Env(), "Expected " + std::to_string(n) + (n == 1 ? " argument" : " arguments") + ", but got " + std::to_string(info.Length()) + ".")
        .ThrowAsJavaScriptException();
    return false;
  }

  /** Checks (x, k) and k against ntotal, as faiss-node does; k <= 0 is refused (FAISS would throw). */
  bool searchArgs(const Napi::CallbackInfo &info, idx_t &k)
  {
    Napi::Env env = info.Env();
    if (!expect(info, 2)) return false;
    if (!info[0].IsArray() && !info[0].IsTypedArray())
    {
      Napi::TypeError::New(env, "Invalid the first argument type, must be an Array or a Float32Array.").ThrowAsJavaScriptException();
      return false;
    }
    if (!info[1].IsNumber())
    {
      Napi::TypeError::New(env, "Invalid the second argument type, must be a Number.").ThrowAsJavaScriptException();
      return false;
    }
    double kd = info[1].As<Napi::Number>().DoubleValue();
    if (!(kd >= 1) || std::floor(kd) != kd)
    {
      Napi::Error::New(env, "Invalid the number of k (must be a positive integer).").ThrowAsJavaScriptException();
      return false;
    }
    k = static_cast<idx_t>(kd);
    if (k > index_->ntotal)
    {
      Napi::Error::New(env, "Invalid the number of k (cannot be given a value greater than `ntotal`: " + std::to_string(index_->ntotal) + ").")
          .ThrowAsJavaScriptException();
      return false;
    }
    return true;
  }

  /** Runs fn, turning argument errors and FAISS's C++ exceptions into JS exceptions. */
  template <class F>
  static Napi::Value guarded(Napi::Env env, F fn)
  {
    try
    {
      return fn();
    }
    catch (const args::ArgError &e)
    {
      args::raise(env, e);
    }
    catch (const std::exception &ex)
    {
      Napi::Error::New(env, ex.what()).ThrowAsJavaScriptException();
    }
    return env.Undefined();
  }

  template <class F>
  Napi::Value setParam(const Napi::CallbackInfo &info, const char *kind, F apply)
  {
    Napi::Env env = info.Env();
    if (!expect(info, 1)) return env.Undefined();
    double v = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 0;
    if (!(v >= 1 && v <= 1 << 20) || std::floor(v) != v)
    {
      Napi::TypeError::New(env, "Invalid the first argument, must be an integer from 1.").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    std::unique_lock<std::shared_mutex> lock(*mu_);
    if (!apply(unwrap(index_.get()), static_cast<int>(v)))
    {
      Napi::Error::New(env, std::string("This index is not ") + kind + " index.").ThrowAsJavaScriptException();
    }
    return env.Undefined();
  }
};

template <class T>
static void defineClass(Napi::Env env, Napi::Object exports)
{
  auto func = T::DefineClass(env, T::CLASS_NAME, T::methods());
  T::constructor = new Napi::FunctionReference();
  *T::constructor = Napi::Persistent(func);
  exports.Set(T::CLASS_NAME, func);
}

// faiss::Index is abstract so IndexFlatL2 is used as fallback
class Index : public IndexBase<Index, faiss::IndexFlatL2>
{
public:
  using IndexBase::IndexBase;
  friend void defineClass<Index>(Napi::Env, Napi::Object);
  static constexpr const char *CLASS_NAME = "Index";
};

class IndexFlatL2 : public IndexBase<IndexFlatL2, faiss::IndexFlatL2>
{
public:
  using IndexBase::IndexBase;
  friend void defineClass<IndexFlatL2>(Napi::Env, Napi::Object);
  static constexpr const char *CLASS_NAME = "IndexFlatL2";
};

class IndexFlatIP : public IndexBase<IndexFlatIP, faiss::IndexFlatIP>
{
public:
  using IndexBase::IndexBase;
  friend void defineClass<IndexFlatIP>(Napi::Env, Napi::Object);
  static constexpr const char *CLASS_NAME = "IndexFlatIP";
};

Napi::Object Init(Napi::Env env, Napi::Object exports)
{
  defineClass<Index>(env, exports);
  defineClass<IndexFlatL2>(env, exports);
  defineClass<IndexFlatIP>(env, exports);
  return exports;
}

NODE_API_MODULE(NODE_GYP_MODULE_NAME, Init)
