// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {StakeTree} from "../../contracts/libraries/StakeTree.sol";
import {CheatTest} from "./Vm.sol";

/// @notice Fuzzes the Fenwick-tree draw against a linear scan of the same weights.
contract StakeTreeTest is CheatTest {
    using StakeTree for StakeTree.Tree;

    StakeTree.Tree private tree;
    address[] private members;
    mapping(address => uint256) private weights;

    function _apply(uint256[] memory ops) private {
        for (uint256 i; i < ops.length && i < 64; ++i) {
            address member = address(uint160(ops[i] % 40) + 1);
            uint256 weight = (ops[i] >> 8) % 4 == 0 ? 0 : (ops[i] >> 16) % 1e21;
            if (tree.indexOf[member] == 0 && weight != 0) members.push(member);
            tree.set(member, weight);
            weights[member] = weight;
        }
    }

    function testFuzz_totalIsSumOfWeights(uint256[] memory ops) public {
        _apply(ops);
        uint256 sum;
        uint256 live;
        for (uint256 i; i < members.length; ++i) {
            sum += weights[members[i]];
            if (weights[members[i]] != 0) ++live;
            require(tree.weightOf(members[i]) == weights[members[i]], "weightOf");
        }
        require(tree.total() == sum, "total");
        require(tree.live == live, "live");
        require(tree.capacity >= tree.count, "capacity");
    }

    function testFuzz_drawMatchesLinearScan(uint256[] memory ops, uint256 seed) public {
        _apply(ops);
        uint256 total = tree.total();
        vm.assume(total != 0);
        uint256 r = seed % total;
        // Members in index order: the tree draws the first whose prefix sum exceeds r.
        address expected;
        uint256 prefix;
        for (uint256 index = 1; index <= tree.count; ++index) {
            address member = tree.members[index];
            prefix += weights[member];
            if (prefix > r) {
                expected = member;
                break;
            }
        }
        address drawn = tree.draw(seed);
        require(drawn == expected, "draw");
        require(weights[drawn] != 0, "zero weight drawn");
    }

    /// drawExcluding equals a linear scan in which the excluded members weigh zero.
    function testFuzz_drawExcludingMatchesLinearScan(uint256[] memory ops, uint256 seed, uint256 pick) public {
        _apply(ops);
        vm.assume(tree.count != 0);
        uint256 n = 1 + pick % 4;
        uint256[] memory excluded = new uint256[](n);
        uint256[] memory w = new uint256[](n);
        uint256 count;
        uint256 excludedTotal;
        for (uint256 k; k < n; ++k) {
            uint256 index = 1 + uint256(keccak256(abi.encode(pick, k))) % tree.count;
            bool seen;
            for (uint256 j; j < count; ++j) {
                if (excluded[j] == index) seen = true;
            }
            if (seen) continue;
            excluded[count] = index;
            w[count] = weights[tree.members[index]];
            excludedTotal += w[count];
            ++count;
        }
        uint256 total = tree.total() - excludedTotal;
        vm.assume(total != 0);
        uint256 r = seed % total;
        address expected;
        uint256 prefix;
        for (uint256 index = 1; index <= tree.count; ++index) {
            bool out;
            for (uint256 j; j < count; ++j) {
                if (excluded[j] == index) out = true;
            }
            if (out) continue;
            prefix += weights[tree.members[index]];
            if (prefix > r) {
                expected = tree.members[index];
                break;
            }
        }
        require(tree.drawExcluding(seed, excluded, w, count, excludedTotal) == expected, "drawExcluding");
    }

    function test_drawRevertsWhenEmpty() public {
        tree.set(address(1), 0);
        try this.drawExternal(1) {
            revert("expected StakeTreeEmpty");
        } catch (bytes memory reason) {
            require(bytes4(reason) == StakeTree.StakeTreeEmpty.selector, "wrong error");
        }
    }

    function drawExternal(uint256 seed) external view returns (address) {
        return tree.draw(seed);
    }
}
