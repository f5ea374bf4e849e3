/** Vectors: n * d floats, as a plain array or (no copy) a Float32Array. */
export type Vectors = number[] | Float32Array;
/** 64-bit ids: a BigInt64Array, an integer typed array, or numbers (integers up to 2^53). */
export type Ids = number[] | bigint[] | BigInt64Array | Int32Array | Uint32Array | Float64Array;

/** What an index is, from describe(). */
export interface IndexDescription {
    kind: 'flat' | 'hnsw' | 'ivf' | 'other';
    /** Wrapped in an IndexIDMap / IndexIDMap2 (labels are the ids given to addWithIds). */
    idMap: boolean;
    ntotal: number;
    dims: number;
    metric: MetricType;
    isTrained: boolean;
    /** HNSW only. */
    M?: number;
    efSearch?: number;
    efConstruction?: number;
    /** IVF only. */
    nlist?: number;
    nprobe?: number;
    /** IVF: list-size imbalance (1 = even). */
    imbalance?: number;
}

/** Searh result object. */
export interface SearchResult {
    /** The disances of the nearest negihbors found, size n*k. */
    distances: number[],
    /** The labels of the nearest neighbors found, size n*k. */
    labels: number[]
}

// See faiss/MetricType.h
export enum MetricType {
    METRIC_INNER_PRODUCT = 0, ///< maximum inner product search
    METRIC_L2 = 1,            ///< squared L2 search
    METRIC_L1,                ///< L1 (aka cityblock)
    METRIC_Linf,              ///< infinity distance
    METRIC_Lp,                ///< L_p distance, p is given by a faiss::Index
    /// metric_arg

    /// some additional metrics defined in scipy.spatial.distance
    METRIC_Canberra = 20,
    METRIC_BrayCurtis,
    METRIC_JensenShannon,
    METRIC_Jaccard, ///< defined as: sum_i(min(a_i, b_i)) / sum_i(max(a_i, b_i))
    ///< where a_i, b_i > 0
}

/**
 * Index.
 * Index that stores the full vectors and performs exhaustive search.
 * @param {number} d The dimensionality of index.
 */
export class Index {
    constructor(d: number);
    /**
     * returns the number of verctors currently indexed.
     * @return {numbers} The number of verctors currently indexed.
     */
    ntotal(): number;
    /**
     * returns the dimensionality of verctors.
     * @return {number} The dimensionality of verctors.
     */
    getDimension(): number;
    /**
     * returns a boolean that indicates whether training is required.
     * @return {number} Whether training is required.
     */
    isTrained(): boolean;
    /** 
     * Add n vectors of dimension d to the index.
     * Vectors are implicitly assigned labels ntotal .. ntotal + n - 1
     * @param {number[]} x Input matrix, size n * d
     */
    add(x: Vectors): void;
    /**
     * Add n vectors with caller-chosen ids (IndexIDMap / IDMap2 from fromFactory("IDMap2,Flat"), IVF indexes).
     * Search results then return these ids as labels.
     * @param x Input matrix, size n * d
     * @param ids n ids
     */
    addWithIds(x: Vectors, ids: Ids): void;
    /** addWithIds on the libuv thread pool (the inputs are copied first): bulk builds off the event loop. */
    addWithIdsAsync(x: Vectors, ids: Ids): Promise<void>;
    /** train on the libuv thread pool (the input is copied first). */
    trainAsync(x: Vectors): Promise<void>;
    /** 
     * Train n vectors of dimension d to the index.
     * Vectors are implicitly assigned labels ntotal .. ntotal + n - 1
     * @param {number[]} x Input matrix, size n * d
     */
    train(x: Vectors): void;
    /** 
     * Query n vectors of dimension d to the index.
     * return at most k vectors. If there are not enough results for a
     * query, the result array is padded with -1s.
     *
     * @param {number[]} x Input vectors to search, size n * d.
     * @param {number} k The number of nearest neighbors to search for.
     * @return {SearchResult} Output of the search result.
     */
    search(x: Vectors, k: number): SearchResult;
    /**
     * The same search on the libuv thread pool, off the event loop. Concurrent adds and removes wait for it
     * (and it for them): the index is never changed mid-search. Bad arguments throw at once, as in search().
     */
    searchAsync(x: Vectors, k: number): Promise<SearchResult>;
    /** The stored vector with this id (IndexIDMap2 and flat indexes). */
    reconstruct(id: number | bigint): Float32Array;
    /** HNSW search breadth (faiss default 16); throws on other index kinds. */
    setEfSearch(efSearch: number): void;
    /** HNSW build breadth for vectors added afterwards (faiss default 40); throws on other index kinds. */
    setEfConstruction(efConstruction: number): void;
    /** IVF lists searched per query (faiss default 1); throws on other index kinds. */
    setNprobe(nprobe: number): void;
    /**
     * Gives back memory a build left unused (IVF lists grow by doubling; the C allocator keeps freed pages).
     * With `from` and `to`, only IVF lists [from, to) (clamped to the index's lists), and the allocator is trimmed only
     * once `to` reaches the last list: a large index is compacted a slice at a time.
     * @return bytes the IVF lists shrank by.
     */
    compact(from?: number, to?: number): number;
    /** The index's kind and search parameters. */
    describe(): IndexDescription;
    /** 
     * Write index to a file.
     * @param {string} fname File path to write.
     */
    write(fname: string): void;
    /** write() on the libuv thread pool, under the shared lock: searches go on, changes wait until it is written. */
    writeAsync(fname: string): Promise<void>;
    /** 
     * Write index to buffer.
     */
    toBuffer(): Buffer;
    /** 
     * Read index from a file.
     * @param {string} fname File path to read.
     * @return {Index} The index read.
     */
    static read(fname: string): Index;
    /** read() on the libuv thread pool: a large index loads off the event loop. */
    static readAsync(fname: string): Promise<Index>;
    /** 
     * Read index from buffer.
     * @param {Buffer} src Buffer to create index from.
     * @return {Index} The index read.
     */
    static fromBuffer(src: Buffer): Index;
    /** 
     * Construct an index from factory descriptor.
     * @param {number} dims Buffer to create index from.
     * @param {string} descriptor Factory descriptor.
     * @param {MetricType} metric Metric type (defaults to L2).
     * @return {Index} The index read.
     */
    static fromFactory(dims: number, descriptor: string, metric?: MetricType): Index;
    /**
     * Merge the current index with another Index instance.
     * @param {Index} otherIndex The other Index instance to merge from.
     */
    mergeFrom(otherIndex: Index): void;
    /**
     * Remove IDs from the index.
     * Flat indexes, IDMap2 over a flat index and IVF indexes support it; HNSW does not (throws).
     * @param ids IDs to remove.
     * @return {number} number of IDs removed.
     */
    removeIds(ids: Ids): number

}

/**
 * IndexFlatL2 Index.
 * IndexFlatL2 that stores the full vectors and performs `squared L2` search.
 * @param {number} d The dimensionality of index.
 */
export class IndexFlatL2 extends Index {
    /** 
     * Read index from a file.
     * @param {string} fname File path to read.
     * @return {IndexFlatL2} The index read.
     */
    static read(fname: string): IndexFlatL2;
    /** 
     * Read index from buffer.
     * @param {Buffer} src Buffer to create index from.
     * @return {IndexFlatL2} The index read.
     */
    static fromBuffer(src: Buffer): IndexFlatL2;
    /**
     * Merge the current index with another IndexFlatL2 instance.
     * @param {IndexFlatL2} otherIndex The other IndexFlatL2 instance to merge from.
     */
    mergeFrom(otherIndex: IndexFlatL2): void;
}

/**
 * IndexFlatIP Index.
 * Index that stores the full vectors and performs `maximum inner product` search.
 * @param {number} d The dimensionality of index.
 */
export class IndexFlatIP extends Index {
    /** 
     * Read index from a file.
     * @param {string} fname File path to read.
     * @return {IndexFlatIP} The index read.
     */
    static read(fname: string): IndexFlatIP;
    /** 
     * Read index from buffer.
     * @param {Buffer} src Buffer to create index from.
     * @return {IndexFlatIP} The index read.
     */
    static fromBuffer(src: Buffer): IndexFlatIP;
    /**
     * Merge the current index with another IndexFlatIP instance.
     * @param {IndexFlatIP} otherIndex The other IndexFlatIP instance to merge from.
     */
    mergeFrom(otherIndex: IndexFlatIP): void;
}