// `--client official`: the adapter's default export, the factory of one driver per scenario.
export { default } from './adapter.ts'
