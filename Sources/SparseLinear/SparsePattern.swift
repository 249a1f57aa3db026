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
        // Sort the slots by (column, row): O(nnz log nnz), then lay them out column by column.
        var order = Array(0..<nnz)
        order.sort { columns[$0] != columns[$1] ? columns[$0] < columns[$1] : rows[$0] < rows[$1] }
        var pointers = [Int32](repeating: 0, count: dimension + 1)
        var rowIndex = [Int32](repeating: 0, count: nnz)
        var position = [Int](repeating: 0, count: nnz + 1)
        for (p, slot) in order.enumerated() {
            rowIndex[p] = rows[slot] - 1
            position[slot + 1] = p
            pointers[Int(columns[slot])] += 1  // count per column, 1-based column → pointer index
        }
        for j in 0..<dimension { pointers[j + 1] += pointers[j] }
        self.columnPointers = pointers
        self.rowIndices = rowIndex
        self.position = position
    }
}
