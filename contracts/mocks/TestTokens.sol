// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A token that burns 1% of every transfer. Test helper for fee-on-transfer handling.
contract FeeOnTransferToken is ERC20 {
    constructor() ERC20("Fee On Transfer", "FOT") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            uint256 fee = value / 100;
            super._update(from, address(0), fee);
            value -= fee;
        }
        super._update(from, to, value);
    }
}

/// @notice A malicious token: on every transfer it calls back into a target (the hub) with stored
///         calldata and records whether the re-entry succeeded. Test helper for re-entrancy.
contract ReentrantToken is ERC20 {
    address public hookTarget;
    bytes public payload;
    bool public attempted;
    bool public reentered;
    bytes public lastRevert;

    constructor() ERC20("Reentrant", "REE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target_, bytes calldata payload_) external {
        hookTarget = target_;
        payload = payload_;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address t = hookTarget;
        if (t != address(0) && from != address(0) && to != address(0)) {
            hookTarget = address(0); // once
            attempted = true;
            (bool ok, bytes memory ret) = t.call(payload);
            reentered = ok;
            lastRevert = ret;
        }
    }
}

/// @notice A non-standard token in the manner of USDT: transfer, transferFrom and approve return
///         nothing. SafeERC20 must accept it. Test helper.
contract NoReturnToken {
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;
    uint256 public totalSupply;

    function mint(address to, uint256 amount) external {
        balanceOf[to] += amount;
        totalSupply += amount;
    }

    function approve(address spender, uint256 amount) external {
        allowance[msg.sender][spender] = amount;
    }

    function transfer(address to, uint256 amount) external {
        balanceOf[msg.sender] -= amount;
        balanceOf[to] += amount;
    }

    function transferFrom(address from, address to, uint256 amount) external {
        if (allowance[from][msg.sender] != type(uint256).max) allowance[from][msg.sender] -= amount;
        balanceOf[from] -= amount;
        balanceOf[to] += amount;
    }
}
