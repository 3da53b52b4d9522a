export { addGenesisAccount, addGenesisAccounts, addGenesisValidator, newGenesisDoc } from "./build.js";
export {
  defaultConsensusParams,
  genesisErrors,
  loadGenesisFile,
  parseGenesis,
  saveGenesisFile,
  type GenesisDoc,
  type ParsedGenesis,
} from "./genesisDoc.js";
