// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title StakeTree
/// @notice A weighted set of members (a Fenwick tree) that supports weight updates and a weighted
///         random draw in O(log n) storage reads and writes.
/// @dev Layout: members sit at indices 1..count. `capacity` is a power of two >= count and the tree
///      holds `sums[i]` = the total weight of indices (i - lowbit(i), i] for 1 <= i <= capacity, so
///      `sums[capacity]` is the total weight. Growing from capacity C to 2C only needs
///      `sums[2C] = sums[C]`, since every other new node covers indices that are still empty.
///      A member's index never changes; a member whose weight is set to zero keeps its index and
///      is never drawn.
library StakeTree {
    struct Tree {
        // [capacity, count, live]: [128, 64, 64] = 256
        uint128 capacity;
        uint64 count;
        /// Members whose weight is not zero.
        uint64 live;
        mapping(uint256 index => uint256) sums;
        mapping(uint256 index => uint256) weights;
        mapping(uint256 index => address) members;
        mapping(address member => uint256) indexOf;
    }

    /// @notice Thrown by {draw} when the tree's total weight is zero.
    error StakeTreeEmpty();

    /// @notice Sets `member`'s weight, adding the member when it is new.
    function set(Tree storage tree, address member, uint256 weight) internal {
        uint256 index = tree.indexOf[member];
        if (index == 0) {
            if (weight == 0) return;
            index = _append(tree, member);
        }
        uint256 old = tree.weights[index];
        if (old == weight) return;
        tree.weights[index] = weight;
        if (old == 0) ++tree.live;
        else if (weight == 0) --tree.live;
        uint256 capacity = tree.capacity;
        if (weight > old) {
            uint256 delta = weight - old;
            for (uint256 i = index; i <= capacity; i += i & (~i + 1)) {
                tree.sums[i] += delta;
            }
        } else {
            uint256 delta = old - weight;
            for (uint256 i = index; i <= capacity; i += i & (~i + 1)) {
                // Cannot underflow: sums[i] includes weights[index] >= delta.
                tree.sums[i] -= delta;
            }
        }
    }

    /// @notice The total weight of all members.
    function total(Tree storage tree) internal view returns (uint256) {
        uint256 capacity = tree.capacity;
        return capacity == 0 ? 0 : tree.sums[capacity];
    }

    /// @notice The weight of `member` (zero when it is not in the tree).
    function weightOf(Tree storage tree, address member) internal view returns (uint256) {
        uint256 index = tree.indexOf[member];
        return index == 0 ? 0 : tree.weights[index];
    }

    /// @notice Draws a member with probability proportional to its weight.
    /// @param seed Any uniformly distributed number; it is reduced modulo the total weight.
    function draw(Tree storage tree, uint256 seed) internal view returns (address) {
        uint256 capacity = tree.capacity;
        uint256 totalWeight = capacity == 0 ? 0 : tree.sums[capacity];
        if (totalWeight == 0) revert StakeTreeEmpty();
        uint256 r = seed % totalWeight;
        // Find the smallest index whose prefix sum exceeds r, descending one bit at a time.
        uint256 pos;
        for (uint256 step = capacity >> 1; step != 0; step >>= 1) {
            uint256 s = tree.sums[pos + step];
            if (s <= r) {
                pos += step;
                r -= s;
            }
        }
        return tree.members[pos + 1];
    }

    /// @notice Draws a member with probability proportional to its weight, as if the members at
    ///         indices `excluded[0..count)` (with tree weights `weights[0..count)`) had weight zero.
    ///         Costs the same storage reads as {draw}; the exclusions are applied in memory.
    /// @param excludedTotal The sum of `weights[0..count)`.
    function drawExcluding(
        Tree storage tree,
        uint256 seed,
        uint256[] memory excluded,
        uint256[] memory weights,
        uint256 count,
        uint256 excludedTotal
    ) internal view returns (address) {
        uint256 capacity = tree.capacity;
        uint256 totalWeight = capacity == 0 ? 0 : tree.sums[capacity] - excludedTotal;
        if (totalWeight == 0) revert StakeTreeEmpty();
        uint256 r = seed % totalWeight;
        uint256 pos;
        for (uint256 step = capacity >> 1; step != 0; step >>= 1) {
            uint256 next = pos + step;
            // sums[next] covers indices (pos, next]; take out the excluded members in that range.
            uint256 s = tree.sums[next];
            for (uint256 k; k < count; ++k) {
                uint256 index = excluded[k];
                if (index > pos && index <= next) s -= weights[k];
            }
            if (s <= r) {
                pos = next;
                r -= s;
            }
        }
        return tree.members[pos + 1];
    }

    /// @notice The index of `member` (zero when it is not in the tree).
    function indexOfMember(Tree storage tree, address member) internal view returns (uint256) {
        return tree.indexOf[member];
    }

    /// @notice The weight at `index`.
    function weightAt(Tree storage tree, uint256 index) internal view returns (uint256) {
        return tree.weights[index];
    }

    function _append(Tree storage tree, address member) private returns (uint256 index) {
        index = uint256(tree.count) + 1;
        uint256 capacity = tree.capacity;
        if (capacity == 0) {
            capacity = 1;
        } else if (index > capacity) {
            tree.sums[capacity << 1] = tree.sums[capacity];
            capacity <<= 1;
        }
        tree.capacity = uint128(capacity);
        tree.count = uint64(index);
        tree.members[index] = member;
        tree.indexOf[member] = index;
    }
}
