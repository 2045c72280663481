// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title ProofgridToken
/// @notice The network token of local and test networks: fees, stakes and bonds are paid in it.
///         The owner mints (a faucet for test networks); a production network would use a token
///         with a fixed supply or an existing one.
contract ProofgridToken is ERC20, ERC20Permit, Ownable {
    constructor(address owner_) ERC20("proofgrid Network Token", "PGT") ERC20Permit("proofgrid Network Token") Ownable(owner_) {}

    /// @notice Mints `amount` to `to`. Only the owner.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
