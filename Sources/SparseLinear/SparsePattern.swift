/// The fixed sparsity pattern of an MNA matrix in compressed-sparse-column form, built once from
/// the (row, column) entries devices declared. Unknown 0 (ground) is dropped: matrix row/column
/// k−1 holds unknown k. Slot s (1…nnz) of the device value arrays lands at `position[s]`.
public struct SparsePattern: Sendable {
    public let dimension: Int
    public let columnPointers: [Int32]
    public let rowIndices: [Int32]
    /// CSC position of each slot; `position[0]` is unused (the ground slot).
    public let position: [Int]
    public var nonzeros: Int { rowIndices.count }

    /// - Parameters:
    ///   - dimension: number of unknowns excluding ground.
    ///   - rows, columns: 1-based unknown indices of each slot (slot k+1 is entry k).
    public init(dimension: Int, rows: [Int32], columns: [Int32]) {
        self.dimension = dimension
        let nnz = rows.count
        var counts = [Int32](repeating: 0, count: dimension + 1)
        for c in columns { counts[Int(c)] += 1 }  // column c (1-based) → CSC column c−1 → pointer index c
        var pointers = [Int32](repeating: 0, count: dimension + 1)
        for j in 0..<dimension { pointers[j + 1] = pointers[j] + counts[j + 1] }
        var next = Array(pointers.dropLast())
        var rowIndex = [Int32](repeating: 0, count: nnz)
        var position = [Int](repeating: 0, count: nnz + 1)
        // Fill column by column in slot order, then sort rows within each column.
        for s in 0..<nnz {
            let col = Int(columns[s]) - 1
            let p = Int(next[col])
            rowIndex[p] = rows[s] - 1
            position[s + 1] = p
            next[col] += 1
        }
        // Sort rows inside each column (KLU accepts unsorted, but sorted output is deterministic).
        for j in 0..<dimension {
            let lo = Int(pointers[j]), hi = Int(pointers[j + 1])
            if hi - lo < 2 { continue }
            var entries: [(Int32, Int)] = []
            for p in lo..<hi { entries.append((rowIndex[p], p)) }
            entries.sort { $0.0 < $1.0 }
            var remap = [Int: Int]()
            for (k, e) in entries.enumerated() { rowIndex[lo + k] = e.0; remap[e.1] = lo + k }
            for s in 1...nnz where position[s] >= lo && position[s] < hi { position[s] = remap[position[s]] ?? position[s] }
        }
        self.columnPointers = pointers
        self.rowIndices = rowIndex
        self.position = position
    }
}
